import { createChallenge, solveChallenge } from 'altcha-lib/v1';
import type { Challenge } from 'altcha-lib/v1/types';
import { altchaKey } from '../../src/queue/admission/admission-token';

/** What the ALTCHA widget sends as `altcha`: base64 of the challenge with the number found. */
export async function solve(challenge: Challenge): Promise<string> {
  const { promise } = solveChallenge(
    challenge.challenge,
    challenge.salt,
    challenge.algorithm,
    challenge.maxnumber,
  );
  const solution = await promise;
  if (!solution) throw new Error('the challenge has no solution within its maxnumber');
  const { algorithm, challenge: hash, salt, signature } = challenge;
  return Buffer.from(
    JSON.stringify({ algorithm, challenge: hash, number: solution.number, salt, signature }),
  ).toString('base64');
}

/**
 * A challenge made here with the key the service derives from QUEUE_TOKEN_SECRET: one the
 * service would have signed, with whatever expiry or product the test needs (a past expiry
 * without waiting five minutes).
 */
export function signedChallenge(secret: string, productId: number, expires: Date): Promise<Challenge> {
  return createChallenge({
    hmacKey: altchaKey(secret),
    maxnumber: 1000,
    expires,
    params: { product: String(productId) },
  });
}
