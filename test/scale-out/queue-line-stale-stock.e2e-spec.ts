import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { AdmitRequest } from '../../src/queue/line/queue-lines';
import { RedisQueueLines } from '../../src/queue/line/redis-queue-lines';
import { sleep } from '../utils/poll';
import { deleteRedisKeys } from '../utils/redis-server';

const REDIS_PORT = Number(process.env.REDIS_PORT || 6379);
const PRODUCT = 1;

/**
 * Every API process decides on a stock figure it read a moment before; a process that
 * stalled between its read and its decision decides on an older figure than another process
 * that decided meanwhile. The unused admissions must stay within the stock on either figure.
 */
describe('The Redis line on an older stock figure than the last decision (e2e)', () => {
  const clients: Redis[] = [];
  let namespace: string;
  let fresh: RedisQueueLines;
  let stalled: RedisQueueLines;

  beforeEach(() => {
    namespace = `line-stale-${randomBytes(6).toString('hex')}`;
    const client = () => {
      const redis = new Redis({ host: process.env.REDIS_HOST || '127.0.0.1', port: REDIS_PORT });
      clients.push(redis);
      return redis;
    };
    fresh = new RedisQueueLines(client(), namespace);
    stalled = new RedisQueueLines(client(), namespace);
  });

  afterEach(async () => {
    clients.splice(0).forEach((redis) => redis.disconnect());
    await deleteRedisKeys(REDIS_PORT, `{${namespace}:*`);
  });

  /** A decision on `available` units read `ageMs` ago. */
  const request = (available: number, ageMs: number): AdmitRequest => ({
    now: Date.now(),
    ratePerMinute: 1_000_000,
    available,
    stockReadAt: Date.now() - ageMs,
    admissionMs: 300_000,
    abandonMs: 3_600_000,
    saleStartsAt: null,
  });

  it('should still count a used admission against a figure read before its use, after a fresher decision', async () => {
    for (let i = 0; i < 3; i++) {
      const outcome = await fresh.join(
        PRODUCT,
        {
          id: `t${i}-${randomBytes(6).toString('hex')}`,
          productId: PRODUCT,
          customerId: `c${i}`,
          entryHash: randomBytes(32).toString('hex'),
        },
        'fifo',
        Date.now(),
      );
      expect(outcome.kind).toBe('created');
    }
    // Two units: the first two buyers are admitted (a slot each, the second a moment later).
    const first = (await fresh.admit(PRODUCT, request(2, 0))).admitted;
    await sleep(5);
    first.push(...(await fresh.admit(PRODUCT, request(2, 0))).admitted);
    expect(first.map((ticket) => ticket.position)).toEqual([1, 2]);
    await sleep(50);
    // The first buyer holds their unit (1 left); a process reads the stock again and decides.
    const readBeforeUse = Date.now() - 10;
    await fresh.markUsed(PRODUCT, first[0].id);
    await sleep(50);
    expect((await fresh.admit(PRODUCT, request(1, 0))).admitted).toEqual([]);

    // A process that read 2 units before that hold decides now: its 2 include the held unit,
    // so both admissions still count against it, and nobody else may be admitted.
    const late = await stalled.admit(PRODUCT, request(2, Date.now() - readBeforeUse));
    expect(late.admitted).toEqual([]);
    // Fresh figures afterwards: still one unit, one unused admission.
    expect((await fresh.admit(PRODUCT, request(1, 0))).admitted).toEqual([]);
    // The unit comes back: the third buyer is admitted.
    expect((await fresh.admit(PRODUCT, request(2, 0))).admitted.map((ticket) => ticket.position)).toEqual([
      3,
    ]);
  });
});
