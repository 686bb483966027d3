import type { IoRedisClient } from '../../redis/ioredis-client';

/** The solved challenges already used to join, so that each is accepted once for the deployment. */
export abstract class SpentChallenges {
  /** true the first time `id` is spent; false when it was already (here or on another process). */
  abstract spend(id: string, expiresAt: number, now?: number): Promise<boolean>;
}

/**
 * Scale-out mode: one `SET NX` per solution on `<REDIS_PREFIX>:<database id>:queue-pow:<id>`,
 * kept until the challenge expires (after which it is refused anyway). The database id keeps a
 * reset database, or another deployment on the same Redis, from meeting these keys.
 */
export class RedisSpentChallenges extends SpentChallenges {
  constructor(
    private readonly redis: IoRedisClient,
    private readonly namespace: string,
  ) {
    super();
  }

  async spend(id: string, expiresAt: number, now = Date.now()): Promise<boolean> {
    const ttl = Math.max(1, expiresAt - now);
    return (await this.redis.set(`${this.namespace}:queue-pow:${id}`, '1', 'PX', ttl, 'NX')) === 'OK';
  }
}

/** Enough for 20,000 buyers many times over within a challenge's 5 minutes, in a few tens of MB. */
export const MEMORY_SPENT_LIMIT = 250_000;

/**
 * Embedded mode (one process): in memory, dropped at expiry and bounded. When full the oldest
 * entry goes: replaying it then needs MEMORY_SPENT_LIMIT fresh solutions spent within its five
 * minutes, which costs more work than the replay saves.
 */
export class MemorySpentChallenges extends SpentChallenges {
  /** id -> expiry (epoch ms), in spending order: nearly expiry order, as every challenge lives 5 minutes. */
  private readonly spent = new Map<string, number>();

  constructor(private readonly limit = MEMORY_SPENT_LIMIT) {
    super();
  }

  get size(): number {
    return this.spent.size;
  }

  spend(id: string, expiresAt: number, now = Date.now()): Promise<boolean> {
    this.dropExpired(now);
    const known = this.spent.get(id);
    if (known !== undefined && known > now) return Promise.resolve(false);
    if (this.spent.size >= this.limit) this.spent.delete(this.spent.keys().next().value!);
    this.spent.set(id, expiresAt);
    return Promise.resolve(true);
  }

  /** From the oldest on, up to the first still live: amortised constant time per spend. */
  private dropExpired(now: number): void {
    for (const [id, expiresAt] of this.spent) {
      if (expiresAt > now) return;
      this.spent.delete(id);
    }
  }
}
