import { createPublicKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import type { Env } from './env.schema';

/** HS256 needs a key at least as long as its hash (RFC 7518 3.2); shorter ones are guessable. */
export const BUYER_JWT_SECRET_MIN_LENGTH = 32;
/** RSA keys under 2048 bits are refused by jose, and by NIST since 2013. */
const RSA_MIN_BITS = 2048;

const KEY_SOURCES = ['BUYER_JWT_JWKS_URL', 'BUYER_JWT_PUBLIC_KEY', 'BUYER_JWT_SECRET'] as const;
const CLAIM_SETTINGS = ['BUYER_JWT_ISSUER', 'BUYER_JWT_AUDIENCE'] as const;

/** The algorithms each key source accepts: anything else (`none`, HS256 with a public key) is refused. */
export type BuyerKeySource =
  | { kind: 'jwks'; url: string; algorithms: string[] }
  | { kind: 'public_key'; pem: string; algorithms: string[] }
  | { kind: 'secret'; secret: string; algorithms: string[] };

/** Any key a JWKS may serve; jose matches each token's `alg` with its key's type. */
export const JWKS_ALGORITHMS = ['RS256', 'ES256', 'EdDSA', 'Ed25519'];

export type BuyerAuthConfig =
  | { mode: 'off' }
  | {
      mode: 'jwt';
      keySource: BuyerKeySource;
      issuer?: string;
      audience?: string;
      /** Said once at boot (an unencrypted JWKS URL). */
      warnings: string[];
    };

/** The 'buyerAuth' section of the configuration, from the validated environment (see loadConfig). */
export function buyerAuthConfig(env: Env): BuyerAuthConfig {
  if (env.BUYER_AUTH === 'off') return { mode: 'off' };
  return {
    mode: 'jwt',
    keySource: keySourceOf(env),
    issuer: env.BUYER_JWT_ISSUER,
    audience: env.BUYER_JWT_AUDIENCE,
    warnings: jwksUrlWarnings(env.BUYER_JWT_JWKS_URL),
  };
}

/** What is wrong with the BUYER_* settings, never quoting a secret or a key. */
export function buyerAuthProblems(env: Env): string[] {
  const set = [...KEY_SOURCES, ...CLAIM_SETTINGS].filter((name) => env[name] !== undefined);
  if (env.BUYER_AUTH === 'off') {
    // A key without BUYER_AUTH=jwt would leave buyers unverified while the operator believes otherwise.
    return set.length === 0
      ? []
      : [
          `${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set but BUYER_AUTH is off: set BUYER_AUTH=jwt, or unset them`,
        ];
  }
  const sources = KEY_SOURCES.filter((name) => env[name] !== undefined);
  if (sources.length !== 1) {
    return [
      `BUYER_AUTH=jwt needs exactly one key source, ${sources.length === 0 ? 'none is set' : `got ${sources.join(' and ')}`}: ` +
        "BUYER_JWT_JWKS_URL (the identity provider's JWKS endpoint), BUYER_JWT_PUBLIC_KEY (a PEM public key) " +
        `or BUYER_JWT_SECRET (an HS256 secret of at least ${BUYER_JWT_SECRET_MIN_LENGTH} characters)`,
    ];
  }
  if (env.BUYER_JWT_JWKS_URL !== undefined) return jwksUrlProblems(env.BUYER_JWT_JWKS_URL);
  if (env.BUYER_JWT_PUBLIC_KEY !== undefined) {
    const key = publicKeyOf(env.BUYER_JWT_PUBLIC_KEY);
    return typeof key === 'string' ? [key] : [];
  }
  const length = env.BUYER_JWT_SECRET?.length ?? 0;
  return length < BUYER_JWT_SECRET_MIN_LENGTH
    ? [`BUYER_JWT_SECRET is ${length} characters; it must be at least ${BUYER_JWT_SECRET_MIN_LENGTH}`]
    : [];
}

function keySourceOf(env: Env): BuyerKeySource {
  if (env.BUYER_JWT_JWKS_URL !== undefined) {
    return { kind: 'jwks', url: env.BUYER_JWT_JWKS_URL, algorithms: JWKS_ALGORITHMS };
  }
  if (env.BUYER_JWT_PUBLIC_KEY !== undefined) {
    const pem = pemOf(env.BUYER_JWT_PUBLIC_KEY);
    const key = publicKeyOf(pem);
    if (typeof key === 'string') throw new Error(key); // validateEnv refused it already.
    return { kind: 'public_key', pem, algorithms: key.algorithms };
  }
  return { kind: 'secret', secret: env.BUYER_JWT_SECRET ?? '', algorithms: ['HS256'] };
}

function jwksUrlProblems(raw: string): string[] {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return [`BUYER_JWT_JWKS_URL must be an absolute https:// URL (got ${JSON.stringify(raw)})`];
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return [`BUYER_JWT_JWKS_URL must be an https:// URL (got ${url.protocol}//)`];
  }
  return [];
}

/** Keys fetched over plain HTTP can be swapped by anyone on the path, except on this host. */
function jwksUrlWarnings(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const url = new URL(raw);
  if (url.protocol !== 'http:' || isLoopback(url.hostname)) return [];
  return [
    `BUYER_JWT_JWKS_URL is plain http:// (${url.host}): anyone on the network path can replace the keys and sign tokens for any buyer; use https://`,
  ];
}

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** Env files often carry a PEM on one line with literal `\n`s. */
function pemOf(raw: string): string {
  return raw.includes('\\n') ? raw.replace(/\\n/g, '\n') : raw;
}

/**
 * The PEM's key and the one algorithm its type allows (RS256, ES256 or EdDSA), or a message
 * saying what is wrong. Parsed by node:crypto, as jose then uses it.
 */
export function publicKeyOf(raw: string): { key: KeyObject; algorithms: string[] } | string {
  const pem = pemOf(raw);
  if (/PRIVATE KEY/.test(pem)) {
    return 'BUYER_JWT_PUBLIC_KEY holds a private key: give the public key (-----BEGIN PUBLIC KEY-----), and keep the private key with the identity provider';
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    return 'BUYER_JWT_PUBLIC_KEY is not a PEM public key (expected -----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)';
  }
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      if ((details.modulusLength ?? 0) < RSA_MIN_BITS) {
        return `BUYER_JWT_PUBLIC_KEY is an RSA key of ${details.modulusLength} bits; RS256 needs at least ${RSA_MIN_BITS}`;
      }
      return { key, algorithms: ['RS256'] };
    case 'ec':
      if (details.namedCurve !== 'prime256v1') {
        return `BUYER_JWT_PUBLIC_KEY is an EC key on ${details.namedCurve}; ES256 needs P-256 (prime256v1)`;
      }
      return { key, algorithms: ['ES256'] };
    case 'ed25519':
      // Both names of the same algorithm (RFC 8037's EdDSA, and jose's fully-specified Ed25519).
      return { key, algorithms: ['EdDSA', 'Ed25519'] };
    default:
      return `BUYER_JWT_PUBLIC_KEY is a ${key.asymmetricKeyType} key; use an RSA (RS256), P-256 (ES256) or Ed25519 (EdDSA) key`;
  }
}
