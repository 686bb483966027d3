import { cleanEnv, runEntry } from '../utils/embedded';
import { TEST_DB, uniqueDatabaseName } from '../utils/test-env';

/**
 * Configurations that cannot be safe are refused at start, with a message that says why:
 * processes sharing a MySQL/MariaDB database with per-process (memory) product caches, and
 * unsigned webhooks in production unless explicitly allowed.
 */
describe('Unsafe configurations refused at start (e2e)', () => {
  const mariadb = cleanEnv({
    DB_TYPE: TEST_DB.type,
    DB_HOST: TEST_DB.host,
    DB_PORT: String(TEST_DB.port),
    DB_USERNAME: TEST_DB.user,
    DB_PASSWORD: TEST_DB.password,
    // Never created: the refusal comes before any connection.
    DB_DATABASE: uniqueDatabaseName(),
  });

  it('should refuse an API-only process on MySQL/MariaDB without Redis', async () => {
    const run = runEntry('main', { ...mariadb, WORKER_ENABLED: 'false' });
    expect((await run.exited).code).toBe(1);
    expect(run.output()).toContain(
      'WORKER_ENABLED=false (worker processes next to this API) shares the MySQL/MariaDB database',
    );
    expect(run.output()).toContain('needs REDIS_HOST');
  });

  it('should refuse a worker process on MySQL/MariaDB without Redis', async () => {
    const run = runEntry('worker', mariadb);
    expect((await run.exited).code).toBe(1);
    expect(run.output()).toContain(
      'npm run start:worker (a process of its own) shares the MySQL/MariaDB database',
    );
  });

  it('should refuse production without a webhook secret unless ALLOW_UNSIGNED_WEBHOOKS=true', async () => {
    const run = runEntry('main', { ...mariadb, NODE_ENV: 'production', REDIS_HOST: '127.0.0.1' });
    expect((await run.exited).code).toBe(1);
    expect(run.output()).toContain('PAYMENT_WEBHOOK_SECRET must be set when NODE_ENV=production');
  });

  it('should refuse BUYER_AUTH=jwt without exactly one key source, or with a short secret, naming what to set', async () => {
    const none = runEntry('main', { ...mariadb, REDIS_HOST: '127.0.0.1', BUYER_AUTH: 'jwt' });
    expect((await none.exited).code).toBe(1);
    expect(none.output()).toContain('BUYER_AUTH=jwt needs exactly one key source, none is set');
    expect(none.output()).toContain('BUYER_JWT_JWKS_URL');

    const short = runEntry('main', {
      ...mariadb,
      REDIS_HOST: '127.0.0.1',
      BUYER_AUTH: 'jwt',
      BUYER_JWT_SECRET: 'too-short-secret',
    });
    expect((await short.exited).code).toBe(1);
    expect(short.output()).toContain('BUYER_JWT_SECRET is 16 characters; it must be at least 32');
    expect(short.output()).not.toContain('too-short-secret');
  });
});
