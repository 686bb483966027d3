import { generateKeyPairSync } from 'node:crypto';
import { buyerAuthConfig, isLoopback } from './buyer-auth.config';
import { validateEnv } from './env.validation';

type KeyPairOf = (
  type: string,
  options: object,
) => { publicKey: { export(options: object): string | Buffer } };
/** A public key of this type as PEM (node's overloads are per type; one signature serves every type here). */
const pem = (type: string, options: object = {}) =>
  String(
    (generateKeyPairSync as unknown as KeyPairOf)(type, options).publicKey.export({
      type: 'spki',
      format: 'pem',
    }),
  );
const JWKS = 'https://shop.eu.auth0.com/.well-known/jwks.json';
const SECRET = 's'.repeat(32);

describe('BUYER_* settings', () => {
  it('should be off by default, with no key source needed', () => {
    expect(buyerAuthConfig(validateEnv({}))).toEqual({ mode: 'off' });
  });

  it('should need exactly one key source with BUYER_AUTH=jwt, and say which ones', () => {
    expect(() => validateEnv({ BUYER_AUTH: 'jwt' })).toThrow(
      /BUYER_AUTH=jwt needs exactly one key source, none is set/,
    );
    expect(() =>
      validateEnv({ BUYER_AUTH: 'jwt', BUYER_JWT_JWKS_URL: JWKS, BUYER_JWT_SECRET: SECRET }),
    ).toThrow(/exactly one key source, got BUYER_JWT_JWKS_URL and BUYER_JWT_SECRET/);
    expect(() => validateEnv({ BUYER_AUTH: 'maybe' })).toThrow(/BUYER_AUTH must be one of/);
  });

  it('should refuse key settings while BUYER_AUTH is off, rather than leave buyers unverified', () => {
    expect(() => validateEnv({ BUYER_JWT_JWKS_URL: JWKS })).toThrow(
      /BUYER_JWT_JWKS_URL is set but BUYER_AUTH is off/,
    );
  });

  it('should take a JWKS URL with the asymmetric algorithms only, and warn about plain http off this host', () => {
    const config = buyerAuthConfig(
      validateEnv({
        BUYER_AUTH: 'jwt',
        BUYER_JWT_JWKS_URL: JWKS,
        BUYER_JWT_ISSUER: 'https://shop.eu.auth0.com/',
      }),
    );
    expect(config).toEqual({
      mode: 'jwt',
      keySource: { kind: 'jwks', url: JWKS, algorithms: ['RS256', 'ES256', 'EdDSA', 'Ed25519'] },
      issuer: 'https://shop.eu.auth0.com/',
      audience: undefined,
      warnings: [],
    });
    const remote = buyerAuthConfig(
      validateEnv({ BUYER_AUTH: 'jwt', BUYER_JWT_JWKS_URL: 'http://idp.internal/jwks' }),
    );
    expect(remote.mode === 'jwt' && remote.warnings).toEqual([
      expect.stringMatching(/plain http:\/\/ \(idp.internal\)/),
    ]);
    for (const local of ['http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:9/jwks']) {
      const config = buyerAuthConfig(validateEnv({ BUYER_AUTH: 'jwt', BUYER_JWT_JWKS_URL: local }));
      expect(config.mode === 'jwt' && config.warnings).toEqual([]);
    }
    expect(() => validateEnv({ BUYER_AUTH: 'jwt', BUYER_JWT_JWKS_URL: 'not a url' })).toThrow(
      /absolute https:\/\/ URL/,
    );
    expect(() => validateEnv({ BUYER_AUTH: 'jwt', BUYER_JWT_JWKS_URL: 'ftp://idp/jwks' })).toThrow(
      /https:\/\/ URL/,
    );
  });

  it("should take the one algorithm a PEM key's type allows, and refuse other keys", () => {
    const algorithmsOf = (key: string) => {
      const config = buyerAuthConfig(validateEnv({ BUYER_AUTH: 'jwt', BUYER_JWT_PUBLIC_KEY: key }));
      return config.mode === 'jwt' ? config.keySource.algorithms : undefined;
    };
    expect(algorithmsOf(pem('rsa', { modulusLength: 2048 }))).toEqual(['RS256']);
    expect(algorithmsOf(pem('ec', { namedCurve: 'P-256' }))).toEqual(['ES256']);
    expect(algorithmsOf(pem('ed25519'))).toEqual(['EdDSA', 'Ed25519']);
    // One line with literal \n, as env files carry it.
    expect(algorithmsOf(pem('ec', { namedCurve: 'P-256' }).replace(/\n/g, '\\n'))).toEqual(['ES256']);
    const refused = (key: string) => () => validateEnv({ BUYER_AUTH: 'jwt', BUYER_JWT_PUBLIC_KEY: key });
    expect(refused(pem('rsa', { modulusLength: 1024 }))).toThrow(
      /RSA key of 1024 bits; RS256 needs at least 2048/,
    );
    expect(refused(pem('ec', { namedCurve: 'P-384' }))).toThrow(/EC key on secp384r1; ES256 needs P-256/);
    expect(refused(pem('x25519'))).toThrow(/is a x25519 key/);
    expect(refused('hello')).toThrow(/not a PEM public key/);
    const privatePem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
    expect(refused(privatePem)).toThrow(/holds a private key/);
  });

  it('should take an HS256 secret of at least 32 characters, never quoting it', () => {
    const config = buyerAuthConfig(validateEnv({ BUYER_AUTH: 'jwt', BUYER_JWT_SECRET: SECRET }));
    expect(config.mode === 'jwt' && config.keySource).toEqual({
      kind: 'secret',
      secret: SECRET,
      algorithms: ['HS256'],
    });
    const short = 'x'.repeat(31);
    let message = '';
    try {
      validateEnv({ BUYER_AUTH: 'jwt', BUYER_JWT_SECRET: short });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/BUYER_JWT_SECRET is 31 characters; it must be at least 32/);
    expect(message).not.toContain(short);
  });

  it('should know loopback hosts', () => {
    expect(['localhost', 'api.localhost', '127.0.0.1', '127.8.9.10', '[::1]'].map(isLoopback)).toEqual(
      Array(5).fill(true),
    );
    expect(['example.com', '10.0.0.1', '128.0.0.1', '[::2]', 'localhost.evil.com'].map(isLoopback)).toEqual(
      Array(5).fill(false),
    );
  });
});
