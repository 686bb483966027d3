import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { TRUST_PROXY_PATTERN } from './trust-proxy';

export const DB_TYPES = ['mysql', 'mariadb', 'sqlite'] as const;
export type DbType = (typeof DB_TYPES)[number];

/** `host:port` pairs separated by commas (hosts: names, IPv4, or [IPv6]). */
export const REDIS_CLUSTER_NODES_PATTERN =
  /^\s*(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}\s*(,\s*(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}\s*)*$/;

/** The highest QUEUE_POW_MAX_NUMBER (ALTCHA's maxnumber) a deployment may set. */
export const QUEUE_POW_MAX_NUMBER_LIMIT = 10_000_000;

export const BUYER_AUTH_MODES = ['off', 'jwt'] as const;
export type BuyerAuthMode = (typeof BUYER_AUTH_MODES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * "true"/"1"/"yes" and "false"/"0"/"no"; anything else stays a string and fails @IsBoolean.
 * Reads the raw value: implicit conversion would already have made "false" true.
 */
const toBoolean = ({ obj, key }: { obj: Record<string, unknown>; key: string }) => {
  const value = obj[key];
  if (typeof value !== 'string') return value;
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
  if (['false', '0', 'no', 'off'].includes(normalized)) return false;
  return value;
};

/** An empty env var (`DB_PASSWORD=`) means "unset" for optional settings. */
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * Every setting the service reads, with its default. The names are the original Laravel
 * system's where it had one, so existing `.env` files keep working.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  /** sqlite (embedded, one process, no other service) unless a MySQL/MariaDB server is named. */
  @IsIn(DB_TYPES)
  DB_TYPE: DbType = 'sqlite';

  @IsString()
  DB_HOST: string = '127.0.0.1';

  @IsInt()
  @Min(1)
  @Max(65535)
  DB_PORT: number = 3306;

  @IsString()
  DB_USERNAME: string = 'root';

  @IsString()
  DB_PASSWORD: string = '';

  @IsString()
  @MinLength(1)
  DB_DATABASE: string = 'flash_sale';

  /** Connections per process. Hot-product holds are bounded by one row lock, not by this. */
  @IsInt()
  @Min(1)
  @Max(500)
  DB_POOL_SIZE: number = 32;

  /**
   * A MariaDB Galera cluster: causal reads and a cluster-wide migration lock. Unset: detected
   * at start from `@@wsrep_on`; true/false overrides the detection. Never needed on plain MySQL/MariaDB.
   */
  @Transform(toBoolean)
  @IsOptional()
  @IsBoolean()
  DB_GALERA?: boolean;

  @IsString()
  @MinLength(1)
  SQLITE_PATH: string = 'data/flash-sale.sqlite';

  /** Unset or empty: no Redis at all (product cache in memory, expiry by the sweeper alone). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  REDIS_HOST?: string;

  /**
   * A Redis Cluster instead of REDIS_HOST: `host:port,host:port,...` (some or all masters; the
   * client discovers the rest). Queues, cache and rate limits then live on the cluster.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @Matches(REDIS_CLUSTER_NODES_PATTERN, {
    message: 'REDIS_CLUSTER_NODES must be comma-separated host:port pairs',
  })
  REDIS_CLUSTER_NODES?: string;

  @IsInt()
  @Min(1)
  @Max(65535)
  REDIS_PORT: number = 6379;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  REDIS_PASSWORD?: string;

  /** Namespace for every Redis key (queues, cache), so several deployments can share a Redis. */
  @IsString()
  @MinLength(1)
  REDIS_PREFIX: string = 'flash_sale';

  /** How long GET /api/products/:id answers stay in the cache; 0 turns the cache off. */
  @IsInt()
  @Min(0)
  @Max(3_600)
  PRODUCT_CACHE_TTL_SECONDS: number = 60;

  @IsInt()
  @Min(1)
  @Max(86_400)
  HOLD_TTL_SECONDS: number = 120;

  /**
   * Period of the sweeper that releases expired holds whose job did not (Redis down, lost job,
   * downtime). Unset: 30 s with Redis, where it is the safety net behind the delayed jobs, and
   * 1 s without Redis, where it is the only expiry path (see defaultSweepIntervalSeconds).
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3_600)
  HOLD_SWEEP_INTERVAL_SECONDS!: number;

  /**
   * A pending order older than this (by the database's clock) is cancelled by the sweeper and
   * its units go back on sale: a payment provider that never calls back must not lock stock for
   * good. 0 = never. At most 7 days.
   */
  @IsInt()
  @Min(0)
  @Max(604_800)
  ORDER_PAYMENT_TIMEOUT_SECONDS: number = 1_800;

  /** Run the expiry worker and sweeper in this API process; false = API only (it still enqueues). */
  @Transform(toBoolean)
  @IsBoolean()
  WORKER_ENABLED: boolean = true;

  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MAX_HOLD_QUANTITY: number = 100;

  /** After SIGTERM/SIGINT, the process exits 0 within this many seconds whatever still hangs. */
  @IsInt()
  @Min(1)
  @Max(3_600)
  SHUTDOWN_TIMEOUT_SECONDS: number = 15;

  /**
   * Most hold requests for one product served by one transaction (group commit); 1 turns
   * batching off. Requests only wait for the batch in flight, never for a timer.
   */
  @IsInt()
  @Min(1)
  @Max(10_000)
  HOLD_BATCH_MAX_SIZE: number = 100;

  /** Most hold requests allowed to wait per product and process; more are shed with 503. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  HOLD_BATCH_MAX_QUEUED: number = 10_000;

  /** Most hold requests allowed to wait across all products per process; more are shed with 503. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  HOLD_BATCH_MAX_QUEUED_TOTAL: number = 20_000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(8)
  PAYMENT_WEBHOOK_SECRET?: string;

  /** With NODE_ENV=production, accept unsigned webhooks without a secret (logged as a warning at start). */
  @Transform(toBoolean)
  @IsBoolean()
  ALLOW_UNSIGNED_WEBHOOKS: boolean = false;

  /**
   * Bearer token(s) of the admin API, comma-separated so a token can be rotated without
   * downtime (each at least 32 characters; see adminTokensOf). Unset or empty: the admin API
   * answers 403 ADMIN_DISABLED.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  ADMIN_API_TOKEN?: string;

  /**
   * Bearer token(s) that GET /metrics requires, comma-separated to rotate (each at least 32
   * characters, as the admin's). Unset or empty: /metrics is open, for a Prometheus on a
   * private network.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  METRICS_TOKEN?: string;

  /**
   * Origins (comma-separated, exact: `https://shop.example.com`) whose pages may call the public
   * and buyer routes and follow the streams (CORS); `*` for any, refused in production. Unset:
   * no CORS headers. The admin API never answers CORS.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  /** Signed webhooks older than this are refused (Stripe's default tolerance). */
  @IsInt()
  @Min(1)
  @Max(86_400)
  PAYMENT_WEBHOOK_TOLERANCE_SECONDS: number = 300;

  /** ISO 4217 code of the orders' amounts; a Stripe success event in another currency does not complete an order. */
  @IsString()
  @Matches(/^[A-Za-z]{3}$/, {
    message: 'PAYMENT_CURRENCY must be a three-letter ISO currency code, e.g. usd',
  })
  PAYMENT_CURRENCY: string = 'usd';

  /** Which Stripe mode this deployment takes events from: false = test mode, true = live; the other is refused. */
  @Transform(toBoolean)
  @IsBoolean()
  PAYMENT_LIVEMODE: boolean = false;

  /** Live stock streams: at most one event per product per connection per this many ms (latest state wins). */
  @IsInt()
  @Min(0)
  @Max(60_000)
  STREAM_MIN_INTERVAL_MS: number = 250;

  /** Open live stock streams per API process; more are refused (a retry for EventSource, else 503 SERVICE_BUSY). */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  STREAM_MAX_CONNECTIONS: number = 10_000;

  /** Open live stock streams per client address (as TRUST_PROXY decides) per API process; more are refused. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  STREAM_MAX_PER_CLIENT: number = 16;

  /**
   * The reconnection delay (`retry:`) each stream and each refusal sends, drawn between these two
   * (ms) so that the clients of a refused or ended stream do not all come back at once.
   */
  @IsInt()
  @Min(100)
  @Max(600_000)
  STREAM_RETRY_MIN_MS: number = 2_000;

  @IsInt()
  @Min(100)
  @Max(600_000)
  STREAM_RETRY_MAX_MS: number = 5_000;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** Create the sample product at start when the products table is empty. */
  @Transform(toBoolean)
  @IsBoolean()
  SEED_ON_START: boolean = true;

  /** POSTs (holds, orders) per client IP and route per minute, per API process; 0 turns the limit off. */
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  RATE_LIMIT_PER_MINUTE: number = 600;

  /**
   * The key that signs admission tokens (waiting room, issue 24): at least 32 characters.
   * Unset: a secret generated once and stored in the database, so every process agrees.
   */
  @IsOptional()
  @IsString()
  @MinLength(32)
  QUEUE_TOKEN_SECRET?: string;

  /** A waiting ticket not seen (read or streamed) for this many seconds is skipped as expired at its turn. */
  @IsInt()
  @Min(1)
  @Max(86_400)
  QUEUE_ABANDON_SECONDS: number = 60;

  /**
   * ALTCHA's work factor (the challenge's maxnumber) for joining a waiting room; 0 turns the
   * proof of work off. A browser solves half of it on average (SHA-256 tries): 10,000,000 is
   * already seconds on a phone, so anything above is refused as a typo rather than a choice.
   */
  @IsInt()
  @Min(0)
  @Max(QUEUE_POW_MAX_NUMBER_LIMIT)
  QUEUE_POW_MAX_NUMBER: number = 0;

  /**
   * Who the buyer is: off = the body's customer_id (trusted callers, development); jwt = the
   * `sub` of a signed token the shop's login issued (see src/config/buyer-auth.config.ts).
   */
  @IsIn(BUYER_AUTH_MODES)
  BUYER_AUTH: BuyerAuthMode = 'off';

  /** The identity provider's JWKS endpoint (RS256, ES256, EdDSA keys), one of the three key sources. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  BUYER_JWT_JWKS_URL?: string;

  /** A PEM public key (SPKI): RS256, ES256 (P-256) or EdDSA (Ed25519) by the key's type. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  BUYER_JWT_PUBLIC_KEY?: string;

  /** An HS256 shared secret of at least 32 characters. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  BUYER_JWT_SECRET?: string;

  /** When set, a token's `iss` must equal it. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  BUYER_JWT_ISSUER?: string;

  /** When set, a token's `aud` must contain it (leave unset for Cognito access tokens: they carry none). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  BUYER_JWT_AUDIENCE?: string;

  /** Which proxies' X-Forwarded-For to believe: false, true, a hop count, or their addresses/CIDRs (comma-separated). */
  @IsString()
  @Matches(TRUST_PROXY_PATTERN, {
    message: 'TRUST_PROXY must be false, true, a hop count or comma-separated proxy addresses',
  })
  TRUST_PROXY: string = 'false';
}

export type Env = EnvironmentVariables;

/**
 * The environment parsed into the schema (defaults applied, strings converted) and what the
 * schema's own decorators refuse, one message per problem; the cross-field rules come after
 * (env.rules.ts, applied by validateEnv).
 */
export function parseEnv(raw: Record<string, unknown>): { env: Env; problems: string[] } {
  const env = plainToInstance(EnvironmentVariables, stripEmptyDefaults(raw), {
    enableImplicitConversion: true,
  });
  const errors = validateSync(env, { skipMissingProperties: false, forbidUnknownValues: false });
  const problems = errors.flatMap((error) =>
    // Implicit conversion made a number setting's text NaN: one message naming the text as set,
    // not three about a value shown as `null`.
    Number.isNaN(error.value)
      ? [`${error.property} must be a number (got ${JSON.stringify(raw[error.property])})`]
      : Object.values(error.constraints ?? {}).map(
          (message) => `${message} (got ${JSON.stringify(error.value)})`,
        ),
  );
  return { env, problems };
}

/**
 * `FOO=` in a .env file arrives as an empty string; for settings with a non-empty default
 * (ports, sizes) that should mean "use the default", not "invalid number".
 */
function stripEmptyDefaults(raw: Record<string, unknown>): Record<string, unknown> {
  const keepEmpty = new Set([
    'DB_PASSWORD',
    'REDIS_HOST',
    'REDIS_CLUSTER_NODES',
    'REDIS_PASSWORD',
    'PAYMENT_WEBHOOK_SECRET',
  ]);
  return Object.fromEntries(Object.entries(raw).filter(([key, value]) => value !== '' || keepEmpty.has(key)));
}
