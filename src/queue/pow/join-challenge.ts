// ALTCHA's classic challenge (maxnumber, salt, signature), which altcha-lib 2 keeps under
// altcha-lib/v1: QUEUE_POW_MAX_NUMBER is its work factor, and its widget sends `altcha` as
// base64 JSON. (tsconfig maps this subpath to its typings: moduleResolution "node" ignores exports.)
import { createChallenge, extractParams, verifySolution } from 'altcha-lib/v1';
import type { Challenge, Payload } from 'altcha-lib/v1/types';

/** How long a challenge may be solved and used: ALTCHA's `expires`, in its signed salt. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

export type JoinChallenge = Challenge;

/** A solution that verified: `id` names its challenge (to accept it once), until `expiresAt` (epoch ms). */
export interface AcceptedSolution {
  id: string;
  expiresAt: number;
}

/**
 * A challenge to join product `productId`'s waiting room. The product and the expiry ride in
 * the salt, which the challenge hash (and so the signature) covers: a solution for one product
 * never joins another, and a changed expiry breaks the signature.
 */
export function createJoinChallenge(
  hmacKey: string,
  productId: number,
  maxNumber: number,
  expires: Date,
): Promise<JoinChallenge> {
  return createChallenge({ hmacKey, maxnumber: maxNumber, expires, params: { product: String(productId) } });
}

/**
 * altcha-lib's verification (signature, solution, expiry), plus what is ours: the challenge
 * must be for this product and carry an expiry (a challenge without one would never expire).
 * null for anything else: not base64 JSON, tampered, unsolved, expired, another product's.
 */
export async function checkJoinSolution(
  hmacKey: string,
  productId: number,
  altcha: string,
): Promise<AcceptedSolution | null> {
  const payload = decode(altcha);
  if (!payload) return null;
  const params = extractParams(payload);
  const expires = Number(params.expires);
  if (params.product !== String(productId) || !Number.isSafeInteger(expires)) return null;
  try {
    if (!(await verifySolution(payload, hmacKey, true))) return null;
  } catch {
    // An algorithm WebCrypto does not know, a number that is not one: not a solution.
    return null;
  }
  return { id: payload.challenge, expiresAt: expires * 1000 };
}

/** The widget's payload: base64 of a JSON object with string fields and an integer `number`. */
function decode(altcha: string): Payload | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(altcha, 'base64').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { algorithm, challenge, number, salt, signature } = parsed as Record<string, unknown>;
  const strings = [algorithm, challenge, salt, signature].every((field) => typeof field === 'string');
  if (!strings || !Number.isSafeInteger(number) || (number as number) < 0) return null;
  return parsed as Payload;
}
