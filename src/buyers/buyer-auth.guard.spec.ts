import type { ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SignJWT } from 'jose';
import type { BuyerAuthConfig } from '../config/buyer-auth.config';
import type { AllConfig } from '../config/config.types';
import { BuyerAuthGuard } from './buyer-auth.guard';
import { BuyerUnauthorizedError, CustomerMismatchError, InvalidBuyerTokenError } from './buyer.errors';
import { BuyerTokenVerifier } from './buyer-token.verifier';

const SECRET = 'a-shared-secret-of-at-least-32-characters';

function verifierWith(settings: BuyerAuthConfig): BuyerTokenVerifier {
  const config = { getOrThrow: () => settings } as unknown as ConfigService<AllConfig, true>;
  return new BuyerTokenVerifier(config);
}

const jwtMode: BuyerAuthConfig = {
  mode: 'jwt',
  keySource: { kind: 'secret', secret: SECRET, algorithms: ['HS256'] },
  warnings: [],
};

function token(sub: string, secret = SECRET, expiresIn = 3600): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
    .sign(new TextEncoder().encode(secret));
}

type FakeRequest = { headers: Record<string, string>; body?: unknown; buyer?: unknown };

function contextOf(request: FakeRequest): ExecutionContext {
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

describe(BuyerTokenVerifier.name, () => {
  it('should answer a token it verified before at once, without checking its signature again', async () => {
    const sut = verifierWith(jwtMode);
    const issued = await token('auth0|1');
    const first = sut.verify(issued);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toEqual({ id: 'auth0|1' });
    expect(sut.verify(issued)).toEqual({ id: 'auth0|1' });
  });

  it('should not remember a token that failed', async () => {
    const sut = verifierWith(jwtMode);
    const forged = await token('auth0|1', `${SECRET}-other`);
    await expect(sut.verify(forged)).rejects.toBeInstanceOf(InvalidBuyerTokenError);
    const again = sut.verify(forged);
    expect(again).toBeInstanceOf(Promise);
    await expect(again).rejects.toBeInstanceOf(InvalidBuyerTokenError);
  });
});

describe(BuyerAuthGuard.name, () => {
  it('should let every request through with BUYER_AUTH=off, the buyer being null', () => {
    const sut = new BuyerAuthGuard(verifierWith({ mode: 'off' }));
    const request: FakeRequest = { headers: {} };
    expect(sut.canActivate(contextOf(request))).toBe(true);
    expect(request.buyer).toBeNull();
  });

  it('should check the token on its own when the early hook did not run', async () => {
    const sut = new BuyerAuthGuard(verifierWith(jwtMode));
    expect(() => sut.canActivate(contextOf({ headers: {} }))).toThrow(BuyerUnauthorizedError);
    expect(() => sut.canActivate(contextOf({ headers: { authorization: 'Basic abc' } }))).toThrow(
      BuyerUnauthorizedError,
    );
    expect(() => sut.canActivate(contextOf({ headers: { authorization: 'Bearer a b' } }))).toThrow(
      InvalidBuyerTokenError,
    );

    const request: FakeRequest = { headers: { authorization: `Bearer ${await token('auth0|7')}` } };
    await expect(sut.canActivate(contextOf(request))).resolves.toBe(true);
    expect(request.buyer).toEqual({ id: 'auth0|7' });
  });

  it("should refuse a body customer_id other than the token's sub, and accept the sub itself or none", async () => {
    const sut = new BuyerAuthGuard(verifierWith(jwtMode));
    const authorization = `Bearer ${await token('auth0|7')}`;
    const named = (customerId: unknown) =>
      Promise.resolve().then(() =>
        sut.canActivate(contextOf({ headers: { authorization }, body: { customer_id: customerId } })),
      );
    await expect(named('auth0|8')).rejects.toBeInstanceOf(CustomerMismatchError);
    await expect(named('AUTH0|7')).rejects.toBeInstanceOf(CustomerMismatchError);
    await expect(named('auth0|7')).resolves.toBe(true);
    await expect(named(null)).resolves.toBe(true);
    await expect(named(undefined)).resolves.toBe(true);
  });
});
