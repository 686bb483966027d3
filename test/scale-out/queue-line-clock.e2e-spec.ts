import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { AdmitRequest } from '../../src/queue/line/queue-lines';
import { RedisQueueLines } from '../../src/queue/line/redis-queue-lines';
import { sleep } from '../utils/poll';
import { deleteRedisKeys } from '../utils/redis-server';

const REDIS_PORT = Number(process.env.REDIS_PORT || 6379);
const SKEW_MS = 5 * 60_000;
const PRODUCT = 1;

/**
 * Every API process runs the admission loop and passes its own clock; two processes whose
 * clocks are minutes apart must still pace one line on one clock (Redis'): never over the
 * rate, never in a burst, admission times on the real clock.
 */
describe('The Redis line keeps one clock for every process (e2e)', () => {
  const clients: Redis[] = [];
  let namespace: string;
  let behind: RedisQueueLines;
  let ahead: RedisQueueLines;

  beforeEach(() => {
    namespace = `line-clock-${randomBytes(6).toString('hex')}`;
    const client = () => {
      const redis = new Redis({ host: process.env.REDIS_HOST || '127.0.0.1', port: REDIS_PORT });
      clients.push(redis);
      return redis;
    };
    // Two processes: one clock right, the other five minutes ahead.
    behind = new RedisQueueLines(client(), namespace);
    ahead = new RedisQueueLines(client(), namespace);
  });

  afterEach(async () => {
    clients.splice(0).forEach((redis) => redis.disconnect());
    await deleteRedisKeys(REDIS_PORT, `{${namespace}:*`);
  });

  async function fill(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const id = `t${i}-${randomBytes(6).toString('hex')}`;
      const outcome = await behind.join(
        PRODUCT,
        { id, productId: PRODUCT, customerId: `c${i}`, entryHash: randomBytes(32).toString('hex') },
        'fifo',
        Date.now(),
      );
      expect(outcome.kind).toBe('created');
    }
  }

  const request = (now: number, ratePerMinute: number, saleStartsAt: number | null = null): AdmitRequest => ({
    now,
    ratePerMinute,
    available: 1000,
    stockReadAt: now,
    admissionMs: 300_000,
    abandonMs: 3_600_000,
    saleStartsAt,
  });

  /** Both processes decide in turn, as their tickers would, each passing its own clock. */
  async function alternate(ratePerMinute: number, forMs: number, saleStartsAt: number | null = null) {
    const started = Date.now();
    const calls: Array<{ at: number; admitted: Array<{ admittedAt: number }> }> = [];
    for (let turn = 0; Date.now() - started < forMs; turn++) {
      const [line, skew] = turn % 2 === 0 ? [behind, 0] : [ahead, SKEW_MS];
      const outcome = await line.admit(PRODUCT, request(Date.now() + skew, ratePerMinute, saleStartsAt));
      calls.push({ at: Date.now(), admitted: outcome.admitted });
      await sleep(40);
    }
    return { started, calls };
  }

  it('should admit at most the rate in a minute, whatever clock each process passes', async () => {
    await fill(10);
    // 3 a minute: one slot every 20 s, so in a second and a half exactly one admission.
    const { calls } = await alternate(3, 1_500);
    expect(calls.flatMap((call) => call.admitted)).toHaveLength(1);
  });

  it('should spread admissions on the real clock, never a burst for the process ahead', async () => {
    await fill(40);
    // 600 a minute: one slot every 100 ms.
    const { started, calls } = await alternate(600, 1_500);
    let total = 0;
    for (const call of calls) {
      total += call.admitted.length;
      // Never more than the slots the real time since the first decision allows.
      expect(total).toBeLessThanOrEqual(Math.floor((call.at - started) / 100) + 1);
      for (const ticket of call.admitted) {
        expect(ticket.admittedAt).toBeGreaterThanOrEqual(started - 1_000);
        expect(ticket.admittedAt).toBeLessThanOrEqual(call.at + 1_000);
      }
    }
    expect(total).toBeGreaterThanOrEqual(3);
  });

  it('should admit nothing before the sale starts on Redis clock, even for a process ahead', async () => {
    await fill(3);
    const { calls } = await alternate(600, 600, Date.now() + 60_000);
    expect(calls.flatMap((call) => call.admitted)).toHaveLength(0);
  });
});
