import Redis from 'ioredis';

/**
 * Deletes every key a benchmark run left in Redis (its queue's delayed jobs, cache
 * entries). Without it, the next run's worker would spend its CPU expiring this run's jobs.
 */
export async function deleteKeysWithPrefix(prefix: string): Promise<number> {
  const redis = new Redis({
    host: process.env.REDIS_HOST || '127.0.0.1',
    port: Number(process.env.REDIS_PORT ?? 6379),
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  let deleted = 0;
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) {
      if ((keys as string[]).length > 0) deleted += await redis.del(...(keys as string[]));
    }
  } finally {
    redis.disconnect();
  }
  return deleted;
}
