import { exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const TEST_ISSUER = 'https://login.shop.test/';
export const TEST_AUDIENCE = 'flash-sale-api';

type Algorithm = 'ES256' | 'RS256' | 'EdDSA';

/** A signing key as an identity provider holds it: the private half signs, the public half is published. */
export interface SigningKey {
  kid: string;
  alg: Algorithm;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  publicJwk: JWK;
  publicPem: string;
}

export async function signingKey(alg: Algorithm): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return {
    kid,
    alg,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
    publicPem: await exportSPKI(publicKey),
  };
}

export interface TokenOptions {
  /** Seconds from now; null: no exp claim. Default one hour. */
  expiresIn?: number | null;
  notBeforeIn?: number;
  issuer?: string;
  audience?: string;
  /** Extra header fields (typ...) */
  header?: Record<string, unknown>;
  claims?: JWTPayload;
}

/** A token for `sub` as the test's identity provider issues it (iss and aud by default). */
export function tokenFor(key: SigningKey, sub: string, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...options.claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...options.header })
    .setSubject(sub)
    .setIssuedAt(now)
    .setIssuer(options.issuer ?? TEST_ISSUER)
    .setAudience(options.audience ?? TEST_AUDIENCE);
  const expiresIn = options.expiresIn === undefined ? 3600 : options.expiresIn;
  if (expiresIn !== null) jwt.setExpirationTime(now + expiresIn);
  if (options.notBeforeIn !== undefined) jwt.setNotBefore(now + options.notBeforeIn);
  return jwt.sign(key.privateKey);
}

/** A token signed with HS256 under `secret` (a shared secret, or a public key's text in the confusion attack). */
export function hs256Token(secret: string, sub: string, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...options.claims })
    .setProtectedHeader({ alg: 'HS256', ...options.header })
    .setSubject(sub)
    .setIssuer(options.issuer ?? TEST_ISSUER)
    .setAudience(options.audience ?? TEST_AUDIENCE)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(new TextEncoder().encode(secret));
}

/** `alg: none`: an unsigned token, which no verifier may accept. */
export function unsignedToken(sub: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub, iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: now + 3600 })}.`;
}

/**
 * A JWKS endpoint on this host (node:http), as an identity provider serves one: the public
 * halves of `keys`; `publish` swaps them (a key rotation), `fetches` counts the requests.
 */
export class JwksServer {
  fetches = 0;
  private server?: Server;

  constructor(private keys: SigningKey[]) {}

  get url(): string {
    const { port } = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${port}/.well-known/jwks.json`;
  }

  publish(keys: SigningKey[]): void {
    this.keys = keys;
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      this.fetches++;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: this.keys.map((key) => key.publicJwk) }));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
