import { bearerTokensOf } from './env.rules';
import { validateEnv } from './env.validation';

describe(validateEnv.name, () => {
  it('should apply the documented defaults: embedded SQLite, no Redis, the sweeper every second', () => {
    const env = validateEnv({});
    expect(env).toMatchObject({
      PORT: 3000,
      DB_TYPE: 'sqlite',
      SQLITE_PATH: 'data/flash-sale.sqlite',
      DB_HOST: '127.0.0.1',
      DB_PORT: 3306,
      DB_USERNAME: 'root',
      DB_PASSWORD: '',
      DB_DATABASE: 'flash_sale',
      REDIS_PORT: 6379,
      HOLD_TTL_SECONDS: 120,
      HOLD_SWEEP_INTERVAL_SECONDS: 1,
      WORKER_ENABLED: true,
      MAX_HOLD_QUANTITY: 100,
      LOG_LEVEL: 'info',
      PRODUCT_CACHE_TTL_SECONDS: 60,
    });
    expect(env.REDIS_HOST).toBeUndefined();
  });

  it('should sweep every 30 s by default once Redis (and its delayed jobs) is configured, unless told otherwise', () => {
    expect(validateEnv({ DB_TYPE: 'mysql', REDIS_HOST: '127.0.0.1' }).HOLD_SWEEP_INTERVAL_SECONDS).toBe(30);
    expect(validateEnv({ REDIS_HOST: '' }).HOLD_SWEEP_INTERVAL_SECONDS).toBe(1);
    expect(
      validateEnv({ REDIS_HOST: '127.0.0.1', HOLD_SWEEP_INTERVAL_SECONDS: '5' }).HOLD_SWEEP_INTERVAL_SECONDS,
    ).toBe(5);
    expect(validateEnv({ HOLD_SWEEP_INTERVAL_SECONDS: '7' }).HOLD_SWEEP_INTERVAL_SECONDS).toBe(7);
  });

  it('should take a Redis Cluster as REDIS_CLUSTER_NODES instead of REDIS_HOST, never both', () => {
    const env = validateEnv({
      DB_TYPE: 'mariadb',
      REDIS_CLUSTER_NODES: '127.0.0.1:7001, redis-2.internal:7002,[::1]:7003',
    });
    expect(env.HOLD_SWEEP_INTERVAL_SECONDS).toBe(30);
    expect(() => validateEnv({ REDIS_CLUSTER_NODES: '127.0.0.1' })).toThrow(
      /REDIS_CLUSTER_NODES must be comma-separated host:port/,
    );
    expect(() => validateEnv({ REDIS_HOST: 'redis', REDIS_CLUSTER_NODES: 'redis:7001' })).toThrow(/not both/);
    expect(validateEnv({ REDIS_CLUSTER_NODES: '' }).REDIS_CLUSTER_NODES).toBeUndefined();
  });

  it('should take a proof-of-work factor from 0 (off, the default) to 10,000,000 and refuse the rest at boot', () => {
    expect(validateEnv({}).QUEUE_POW_MAX_NUMBER).toBe(0);
    expect(validateEnv({ QUEUE_POW_MAX_NUMBER: '50000' }).QUEUE_POW_MAX_NUMBER).toBe(50_000);
    expect(validateEnv({ QUEUE_POW_MAX_NUMBER: '10000000' }).QUEUE_POW_MAX_NUMBER).toBe(10_000_000);
    for (const bad of ['-1', '1.5', 'lots', '10000001']) {
      expect(() => validateEnv({ QUEUE_POW_MAX_NUMBER: bad })).toThrow(/QUEUE_POW_MAX_NUMBER/);
    }
  });

  it('should leave Galera to detection unless DB_GALERA says otherwise', () => {
    expect(validateEnv({}).DB_GALERA).toBeUndefined();
    expect(validateEnv({ DB_GALERA: 'true' }).DB_GALERA).toBe(true);
    expect(validateEnv({ DB_GALERA: 'false' }).DB_GALERA).toBe(false);
    expect(() => validateEnv({ DB_GALERA: 'sometimes' })).toThrow(/DB_GALERA/);
  });

  it('should refuse an API-only process on SQLite, where no worker process could release holds', () => {
    expect(() => validateEnv({ WORKER_ENABLED: 'false' })).toThrow(
      /WORKER_ENABLED=false[\s\S]*DB_TYPE=sqlite/,
    );
    expect(
      validateEnv({ DB_TYPE: 'mariadb', REDIS_HOST: '127.0.0.1', WORKER_ENABLED: 'false' }).WORKER_ENABLED,
    ).toBe(false);
  });

  it('should refuse an API-only process on MySQL/MariaDB without Redis, whose per-process caches would serve stale stock', () => {
    for (const DB_TYPE of ['mysql', 'mariadb']) {
      expect(() => validateEnv({ DB_TYPE, WORKER_ENABLED: 'false' })).toThrow(
        /WORKER_ENABLED=false[\s\S]*needs REDIS_HOST/,
      );
      expect(() => validateEnv({ DB_TYPE, REDIS_HOST: '', WORKER_ENABLED: 'false' })).toThrow(
        /needs REDIS_HOST/,
      );
    }
    // One process (it runs its own worker) may keep its cache in memory.
    expect(validateEnv({ DB_TYPE: 'mysql' }).REDIS_HOST).toBeUndefined();
  });

  it('should refuse unsigned webhooks in production unless ALLOW_UNSIGNED_WEBHOOKS=true says so', () => {
    expect(() => validateEnv({ NODE_ENV: 'production' })).toThrow(
      /PAYMENT_WEBHOOK_SECRET must be set[\s\S]*ALLOW_UNSIGNED_WEBHOOKS/,
    );
    expect(
      validateEnv({ NODE_ENV: 'production', ALLOW_UNSIGNED_WEBHOOKS: 'true' }).ALLOW_UNSIGNED_WEBHOOKS,
    ).toBe(true);
    expect(
      validateEnv({ NODE_ENV: 'production', PAYMENT_WEBHOOK_SECRET: 'whsec_long_enough' })
        .ALLOW_UNSIGNED_WEBHOOKS,
    ).toBe(false);
  });

  it('should convert numbers and booleans from strings', () => {
    const env = validateEnv({ PORT: '8080', SEED_ON_START: 'false', HOLD_TTL_SECONDS: '2' });
    expect(env.PORT).toBe(8080);
    expect(env.SEED_ON_START).toBe(false);
    expect(env.HOLD_TTL_SECONDS).toBe(2);
  });

  it('should cancel unpaid orders after 30 minutes by default, 0 meaning never, and refuse a negative timeout', () => {
    expect(validateEnv({}).ORDER_PAYMENT_TIMEOUT_SECONDS).toBe(1_800);
    expect(validateEnv({ ORDER_PAYMENT_TIMEOUT_SECONDS: '0' }).ORDER_PAYMENT_TIMEOUT_SECONDS).toBe(0);
    expect(validateEnv({ ORDER_PAYMENT_TIMEOUT_SECONDS: '5' }).ORDER_PAYMENT_TIMEOUT_SECONDS).toBe(5);
    expect(() => validateEnv({ ORDER_PAYMENT_TIMEOUT_SECONDS: '-1' })).toThrow(
      /ORDER_PAYMENT_TIMEOUT_SECONDS/,
    );
    expect(() => validateEnv({ ORDER_PAYMENT_TIMEOUT_SECONDS: 'soon' })).toThrow(
      /ORDER_PAYMENT_TIMEOUT_SECONDS/,
    );
  });

  it('should read WORKER_ENABLED=false as "API only" and refuse a sweep interval below 1 s', () => {
    expect(
      validateEnv({
        DB_TYPE: 'mariadb',
        REDIS_HOST: 'redis',
        WORKER_ENABLED: 'false',
        HOLD_SWEEP_INTERVAL_SECONDS: '2',
      }),
    ).toMatchObject({
      WORKER_ENABLED: false,
      HOLD_SWEEP_INTERVAL_SECONDS: 2,
    });
    expect(() => validateEnv({ HOLD_SWEEP_INTERVAL_SECONDS: '0' })).toThrow(/HOLD_SWEEP_INTERVAL_SECONDS/);
    expect(() => validateEnv({ WORKER_ENABLED: 'maybe' })).toThrow(/WORKER_ENABLED/);
  });

  it('should treat an empty value as "use the default"', () => {
    expect(validateEnv({ PORT: '', DB_PASSWORD: '' })).toMatchObject({ PORT: 3000, DB_PASSWORD: '' });
  });

  it('should list every problem in one clear error', () => {
    expect(() => validateEnv({ PORT: 'eighty', DB_TYPE: 'oracle', LOG_LEVEL: 'loud' })).toThrow(
      /Invalid configuration:[\s\S]*PORT[\s\S]*DB_TYPE[\s\S]*LOG_LEVEL/,
    );
  });

  it('should refuse to run in production without a webhook secret', () => {
    expect(() => validateEnv({ NODE_ENV: 'production' })).toThrow(/PAYMENT_WEBHOOK_SECRET must be set/);
    expect(() =>
      validateEnv({ NODE_ENV: 'production', PAYMENT_WEBHOOK_SECRET: 'whsec_long_enough' }),
    ).not.toThrow();
  });

  it('should default RATE_LIMIT_PER_MINUTE to 600 (0 turns it off) and refuse a malformed TRUST_PROXY', () => {
    expect(validateEnv({})).toMatchObject({ RATE_LIMIT_PER_MINUTE: 600, TRUST_PROXY: 'false' });
    expect(validateEnv({ RATE_LIMIT_PER_MINUTE: '0', TRUST_PROXY: '10.0.0.0/8, ::1' })).toMatchObject({
      RATE_LIMIT_PER_MINUTE: 0,
      TRUST_PROXY: '10.0.0.0/8, ::1',
    });
    expect(() => validateEnv({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/);
    expect(() => validateEnv({ RATE_LIMIT_PER_MINUTE: '-1' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
  });

  describe('ADMIN_API_TOKEN', () => {
    const token = (fill: string) => fill.repeat(32);

    it('should accept one token or several comma-separated ones of at least 32 characters', () => {
      expect(bearerTokensOf(validateEnv({ ADMIN_API_TOKEN: token('a') }).ADMIN_API_TOKEN)).toEqual([
        token('a'),
      ]);
      expect(
        bearerTokensOf(validateEnv({ ADMIN_API_TOKEN: `${token('a')}, ${token('b')}` }).ADMIN_API_TOKEN),
      ).toEqual([token('a'), token('b')]);
      expect(bearerTokensOf(validateEnv({ ADMIN_API_TOKEN: '' }).ADMIN_API_TOKEN)).toEqual([]);
    });

    it('should refuse a short, empty or spaced token without quoting any token', () => {
      for (const raw of [
        'short-secret-token',
        `${token('a')},`,
        `${token('a')},short-one`,
        `${'x'.repeat(20)} ${'y'.repeat(20)}`,
      ]) {
        let message = '';
        try {
          validateEnv({ ADMIN_API_TOKEN: raw });
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message).toContain('ADMIN_API_TOKEN');
        for (const part of raw.split(',').filter(Boolean)) expect(message).not.toContain(part.trim());
      }
    });

    it('should start in production with the webhook secret and no admin token (the admin API is optional)', () => {
      expect(() =>
        validateEnv({ NODE_ENV: 'production', PAYMENT_WEBHOOK_SECRET: 'whsec_production_secret' }),
      ).not.toThrow();
    });
  });

  describe('METRICS_TOKEN', () => {
    it('should leave /metrics open when unset or empty, and take tokens of at least 32 characters', () => {
      expect(validateEnv({}).METRICS_TOKEN).toBeUndefined();
      expect(validateEnv({ METRICS_TOKEN: '' }).METRICS_TOKEN).toBeUndefined();
      expect(bearerTokensOf(validateEnv({ METRICS_TOKEN: 'm'.repeat(32) }).METRICS_TOKEN)).toEqual([
        'm'.repeat(32),
      ]);
    });

    it('should refuse a short or spaced token without quoting it', () => {
      for (const raw of ['prometheus-scrape', `${'x'.repeat(20)} ${'y'.repeat(20)}`]) {
        expect(() => validateEnv({ METRICS_TOKEN: raw })).toThrow(/METRICS_TOKEN: token 1/);
        expect(() => validateEnv({ METRICS_TOKEN: raw })).not.toThrow(raw);
      }
    });
  });

  it('should take Stripe events in usd from test mode by default, and refuse a malformed currency or mode', () => {
    expect(validateEnv({})).toMatchObject({ PAYMENT_CURRENCY: 'usd', PAYMENT_LIVEMODE: false });
    expect(validateEnv({ PAYMENT_CURRENCY: 'EUR', PAYMENT_LIVEMODE: 'true' })).toMatchObject({
      PAYMENT_CURRENCY: 'EUR',
      PAYMENT_LIVEMODE: true,
    });
    expect(() => validateEnv({ PAYMENT_CURRENCY: 'dollars' })).toThrow(/PAYMENT_CURRENCY/);
    expect(() => validateEnv({ PAYMENT_LIVEMODE: 'sometimes' })).toThrow(/PAYMENT_LIVEMODE/);
  });

  it('should default the live stock streams to 250 ms and 10 000 connections and refuse bad values', () => {
    expect(validateEnv({})).toMatchObject({ STREAM_MIN_INTERVAL_MS: 250, STREAM_MAX_CONNECTIONS: 10_000 });
    expect(validateEnv({ STREAM_MIN_INTERVAL_MS: '0', STREAM_MAX_CONNECTIONS: '1' })).toMatchObject({
      STREAM_MIN_INTERVAL_MS: 0,
      STREAM_MAX_CONNECTIONS: 1,
    });
    expect(() => validateEnv({ STREAM_MIN_INTERVAL_MS: '-5' })).toThrow(/STREAM_MIN_INTERVAL_MS/);
    expect(() => validateEnv({ STREAM_MAX_CONNECTIONS: '0' })).toThrow(/STREAM_MAX_CONNECTIONS/);
  });

  it('should allow 16 streams per client and retry in 2 to 5 s by default, and refuse bad values', () => {
    expect(validateEnv({})).toMatchObject({
      STREAM_MAX_PER_CLIENT: 16,
      STREAM_RETRY_MIN_MS: 2_000,
      STREAM_RETRY_MAX_MS: 5_000,
    });
    expect(
      validateEnv({ STREAM_MAX_PER_CLIENT: '1', STREAM_RETRY_MIN_MS: '300', STREAM_RETRY_MAX_MS: '300' }),
    ).toMatchObject({ STREAM_MAX_PER_CLIENT: 1, STREAM_RETRY_MIN_MS: 300, STREAM_RETRY_MAX_MS: 300 });
    expect(() => validateEnv({ STREAM_MAX_PER_CLIENT: '0' })).toThrow(/STREAM_MAX_PER_CLIENT/);
    expect(() => validateEnv({ STREAM_RETRY_MIN_MS: '0' })).toThrow(/STREAM_RETRY_MIN_MS/);
    expect(() => validateEnv({ STREAM_RETRY_MIN_MS: '6000' })).toThrow(
      /STREAM_RETRY_MIN_MS must not be above STREAM_RETRY_MAX_MS/,
    );
  });

  it('should name the value as it was set when a number setting is not a number, once', () => {
    expect(() => validateEnv({ STREAM_MAX_PER_CLIENT: 'abc' })).toThrow(
      /^Invalid configuration:\n {2}- STREAM_MAX_PER_CLIENT must be a number \(got "abc"\)$/,
    );
    expect(() => validateEnv({ PORT: '80a' })).toThrow(/- PORT must be a number \(got "80a"\)$/);
  });
});
