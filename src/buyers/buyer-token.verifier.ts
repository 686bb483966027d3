import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  type RemoteJWKSetOptions,
} from 'jose';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { isCustomerId } from '../common/customer-id';
import type { BuyerKeySource } from '../config/buyer-auth.config';
import type { AllConfig } from '../config/config.types';
import type { Buyer } from './buyer';
import { BuyerKeysUnavailableError, InvalidBuyerTokenError } from './buyer.errors';
import { VerifiedTokenCache } from './verified-token-cache';

/** Tolerated clock skew between the identity provider and this host, for exp and nbf. */
export const CLOCK_TOLERANCE_SECONDS = 30;
/** Verified tokens kept (about 200 bytes each): a sale's worth of buyers. */
const MAX_CACHED_TOKENS = 100_000;

/**
 * How the JWKS is fetched; jose's defaults (a fetch at most every 30 s on an unknown `kid`,
 * keys kept 10 minutes) unless a test provides shorter ones.
 */
export const JWKS_FETCH_OPTIONS = Symbol('JWKS_FETCH_OPTIONS');

/** A JWKS failure that is the token's, not the key server's. */
const TOKEN_FAULTS_FROM_JWKS = new Set([
  joseErrors.JWKSNoMatchingKey.code,
  joseErrors.JWKSMultipleMatchingKeys.code,
  joseErrors.JOSENotSupported.code,
  joseErrors.JOSEAlgNotAllowed.code,
]);

/** The key server (JWKS) failed: a 503, not the buyer's 401. */
class KeysUnavailable extends Error {}

/**
 * Verifies buyer tokens (BUYER_AUTH=jwt) with jose, against the one configured key source,
 * with the algorithms that key source allows only: `alg: none` and an HS256 token signed with
 * a public key never verify. `exp` is required, issuer and audience are checked when set.
 */
@Injectable()
export class BuyerTokenVerifier {
  private readonly logger = new Logger(BuyerTokenVerifier.name);
  readonly enabled: boolean;
  private readonly key?: KeyObject | Uint8Array | JWTVerifyGetKey;
  private readonly options?: JWTVerifyOptions;
  private readonly cache = new VerifiedTokenCache(MAX_CACHED_TOKENS);

  constructor(
    config: ConfigService<AllConfig, true>,
    @Optional() @Inject(JWKS_FETCH_OPTIONS) jwksOptions: RemoteJWKSetOptions = {},
  ) {
    const settings = config.getOrThrow('buyerAuth', { infer: true });
    this.enabled = settings.mode === 'jwt';
    if (settings.mode !== 'jwt') return;
    for (const warning of settings.warnings) {
      this.logger.warn({ event: 'buyer_auth.insecure_setting', message: warning });
    }
    this.key = keyOf(settings.keySource, jwksOptions);
    this.options = {
      algorithms: settings.keySource.algorithms,
      issuer: settings.issuer,
      audience: settings.audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp'],
    };
  }

  /**
   * The buyer the token names: at once from the cache when it verified before and has not
   * expired (no promise on the hot path: most of a buyer's requests), else once jose has
   * verified it.
   */
  verify(token: string): Buyer | Promise<Buyer> {
    const cacheKey = VerifiedTokenCache.keyOf(token);
    return this.cache.get(cacheKey, Date.now()) ?? this.verifyAndRemember(token, cacheKey);
  }

  private async verifyAndRemember(token: string, cacheKey: string): Promise<Buyer> {
    const { sub, exp } = await this.verifySignature(token);
    if (!isCustomerId(sub)) {
      throw new InvalidBuyerTokenError('"sub" must be 1 to 255 printable ASCII characters');
    }
    const buyer: Buyer = { id: sub };
    // exp is required, so present; cached until then, not for the tolerance after it.
    this.cache.set(cacheKey, buyer, (exp as number) * 1000);
    return buyer;
  }

  private async verifySignature(token: string) {
    if (!this.key || !this.options) throw new Error('BUYER_AUTH is off: no buyer token is verified');
    try {
      // Overloads differ for a key and a key getter; both are accepted at run time.
      const { payload } = await jwtVerify(token, this.key as JWTVerifyGetKey, this.options);
      return payload;
    } catch (error) {
      if (error instanceof KeysUnavailable) {
        this.logger.warn({ event: 'buyer_auth.keys_unavailable', err: error.cause });
        throw new BuyerKeysUnavailableError();
      }
      if (error instanceof joseErrors.JOSEError) {
        this.logger.debug({ event: 'buyer_auth.token_refused', reason: error.code });
        throw new InvalidBuyerTokenError(error.message);
      }
      // Not jose's: a token jose could not even parse into parts.
      this.logger.debug({ event: 'buyer_auth.token_refused', reason: 'malformed' });
      throw new InvalidBuyerTokenError('not a signed JWT');
    }
  }
}

function keyOf(
  source: BuyerKeySource,
  jwksOptions?: RemoteJWKSetOptions,
): KeyObject | Uint8Array | JWTVerifyGetKey {
  switch (source.kind) {
    case 'jwks': {
      const remote = createRemoteJWKSet(new URL(source.url), jwksOptions);
      return async (header, token) => {
        try {
          return await remote(header, token);
        } catch (error) {
          if (error instanceof joseErrors.JOSEError && TOKEN_FAULTS_FROM_JWKS.has(error.code)) throw error;
          throw new KeysUnavailable('The JWKS could not be fetched or read', { cause: error });
        }
      };
    }
    case 'public_key':
      return createPublicKey(source.pem);
    case 'secret':
      return new TextEncoder().encode(source.secret);
  }
}
