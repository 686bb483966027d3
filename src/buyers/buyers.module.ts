import { Module } from '@nestjs/common';
import { BuyerAuthGuard, BuyerAuthHook } from './buyer-auth.guard';
import { BuyerTokenVerifier, JWKS_FETCH_OPTIONS } from './buyer-token.verifier';

/**
 * Verified buyers (BUYER_AUTH=jwt). Every feature that serves buyers (holds, orders, the
 * waiting room) imports it and marks its routes `@BuyerAuthenticated()`; being one module
 * instance, they share the one verifier and its cache.
 */
@Module({
  // jose's defaults for fetching the JWKS; tests provide a shorter cooldown.
  providers: [
    BuyerTokenVerifier,
    BuyerAuthGuard,
    BuyerAuthHook,
    { provide: JWKS_FETCH_OPTIONS, useValue: {} },
  ],
  exports: [BuyerTokenVerifier, BuyerAuthGuard],
})
export class BuyersModule {}
