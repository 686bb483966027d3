import Redis from 'ioredis';
import { deleteRedisKeys } from './redis-server';
import { ownerIsAlive, TEST_DATABASE_PREFIX, withServerConnection } from './test-env';

/**
 * Fails fast with a clear message when MariaDB or Redis is not answering, and drops test
 * databases (and their Redis keys: queues, cache) left behind by an interrupted earlier run.
 */
export default async function globalSetup(): Promise<void> {
  await withServerConnection(async (connection) => {
    const [rows] = await connection.query(`SHOW DATABASES LIKE '${TEST_DATABASE_PREFIX}%'`);
    for (const row of rows as Record<string, string>[]) {
      const name = Object.values(row)[0];
      // A run still going (another terminal, another engineer) keeps its databases.
      if (ownerIsAlive(name)) continue;
      await connection.query(`DROP DATABASE IF EXISTS ${connection.escapeId(name)}`);
    }
  }).catch((error: Error) => {
    throw new Error(
      `MariaDB/MySQL is not answering on 127.0.0.1:3306 (${error.message}). Run bash scripts/ensure-services.sh.`,
    );
  });

  const redis = new Redis({
    host: process.env.REDIS_HOST ?? '127.0.0.1',
    port: Number(process.env.REDIS_PORT ?? 6379),
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      `Redis is not answering on 127.0.0.1:6379 (${(error as Error).message}). Run bash scripts/ensure-services.sh.`,
      {
        cause: error,
      },
    );
  } finally {
    redis.disconnect();
  }
  // Keys are prefixed with the database name (REDIS_PREFIX), so the same owners keep theirs.
  await deleteRedisKeys(Number(process.env.REDIS_PORT ?? 6379), `${TEST_DATABASE_PREFIX}*`, (key) =>
    ownerIsAlive(key.split(':')[0]),
  );
}
