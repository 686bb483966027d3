import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { AdmitRequest } from '../../src/queue/line/queue-lines';
import { RedisQueueLines } from '../../src/queue/line/redis-queue-lines';
import { sleep } from '../utils/poll';
import { deleteRedisKeys } from '../utils/redis-server';

const REDIS_PORT = Number(process.env.REDIS_PORT || 6379);
const PRODUCT = 7;
/** Injected for the test; the service's is a week (LINE_TTL_MS). */
const TTL_MS = 1_500;

/**
 * Every key of a product's line lives a TTL past the line's last activity, so the lines of
 * finished sales (and their ever-growing tickets hash) go away by themselves; a line in use
 * stays, and its final tickets stay readable for that time.
 */
describe('The Redis line expires after its last activity (e2e)', () => {
  let redis: Redis;
  let namespace: string;
  let lines: RedisQueueLines;

  beforeEach(() => {
    redis = new Redis({ host: process.env.REDIS_HOST || '127.0.0.1', port: REDIS_PORT });
    namespace = `line-ttl-${randomBytes(6).toString('hex')}`;
    lines = new RedisQueueLines(redis, namespace, TTL_MS);
  });

  afterEach(async () => {
    redis.disconnect();
    await deleteRedisKeys(REDIS_PORT, `{${namespace}:*`);
  });

  const keys = () => redis.keys(`{${namespace}:queue:${PRODUCT}}:*`);
  const ttls = async () => Promise.all((await keys()).map((key) => redis.pttl(key)));
  const join = async (index: number) => {
    const outcome = await lines.join(
      PRODUCT,
      { id: `t${index}`, productId: PRODUCT, customerId: `c${index}`, entryHash: `h${index}` },
      'fifo',
      Date.now(),
    );
    if (outcome.kind !== 'created') throw new Error(outcome.kind);
    return outcome.ticket.id;
  };
  const admit = (available: number): AdmitRequest => ({
    now: Date.now(),
    ratePerMinute: 1_000_000,
    available,
    stockReadAt: Date.now(),
    admissionMs: 300_000,
    abandonMs: 60_000,
    saleStartsAt: null,
  });

  it('should give every key a TTL, refreshed by activity but not by idle ticks, then drop the line', async () => {
    const first = await join(1);
    await join(2);
    const admitted = await lines.admit(PRODUCT, admit(1));
    expect(admitted.admitted.map((ticket) => ticket.id)).toEqual([first]);
    await lines.markUsed(PRODUCT, first);
    // tickets, buyers, nonces, line, meta, seen, admitted, recent, used: all with a TTL.
    expect((await keys()).length).toBeGreaterThanOrEqual(9);
    for (const ttl of await ttls()) {
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(TTL_MS);
    }

    // Activity (a join) refreshes every key.
    await sleep(TTL_MS / 2);
    await join(3);
    for (const ttl of await ttls()) expect(ttl).toBeGreaterThan(TTL_MS / 2 + 100);

    // Idle ticks (nothing to admit: no stock) are not activity: the line goes a TTL after the join.
    const idleUntil = Date.now() + TTL_MS + 500;
    while (Date.now() < idleUntil) {
      const outcome = await lines.admit(PRODUCT, admit(0));
      expect(outcome.admitted).toHaveLength(0);
      await sleep(100);
    }
    // The idle tick's own pacing fields are all that may be left, and they expire too.
    expect((await keys()).filter((key) => !key.endsWith(':meta'))).toEqual([]);
    for (const ttl of await ttls()) expect(ttl).toBeGreaterThan(0);
    expect(await lines.get(PRODUCT, first, Date.now(), false)).toBeNull();
  });

  it('should keep a closed line readable for the TTL, then drop it', async () => {
    const id = await join(1);
    await lines.close(PRODUCT);
    const closed = await lines.get(PRODUCT, id, Date.now(), true);
    expect(closed?.ticket.status).toBe('expired');
    // Reading a final ticket, even as presence, does not keep the line.
    const until = Date.now() + TTL_MS + 300;
    while (Date.now() < until) {
      await lines.get(PRODUCT, id, Date.now(), true);
      await sleep(100);
    }
    expect(await lines.get(PRODUCT, id, Date.now(), true)).toBeNull();
    expect(await keys()).toEqual([]);
  });
});
