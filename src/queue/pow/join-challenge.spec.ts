import { createChallenge, solveChallenge } from 'altcha-lib/v1';
import type { Challenge } from 'altcha-lib/v1/types';
import { CHALLENGE_TTL_MS, checkJoinSolution, createJoinChallenge } from './join-challenge';

const KEY = 'a'.repeat(64);
const inFiveMinutes = () => new Date(Date.now() + CHALLENGE_TTL_MS);

async function solved(challenge: Challenge, number?: number): Promise<string> {
  const found =
    number ??
    (await solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm, challenge.maxnumber)
      .promise)!.number;
  const { algorithm, challenge: hash, salt, signature } = challenge;
  return Buffer.from(JSON.stringify({ algorithm, challenge: hash, number: found, salt, signature })).toString(
    'base64',
  );
}

describe('join challenges (ALTCHA)', () => {
  it("should sign a challenge for one product, with ALTCHA's expiry and the work factor as maxnumber", async () => {
    const expires = inFiveMinutes();
    const challenge = await createJoinChallenge(KEY, 7, 500, expires);
    expect(challenge).toMatchObject({ algorithm: 'SHA-256', maxnumber: 500 });
    expect(challenge.salt).toMatch(`?product=7&expires=${Math.floor(expires.getTime() / 1000)}&`);
  });

  it('should accept the solution for its product and name it by its challenge until its expiry', async () => {
    const expires = inFiveMinutes();
    const challenge = await createJoinChallenge(KEY, 7, 500, expires);
    expect(await checkJoinSolution(KEY, 7, await solved(challenge))).toEqual({
      id: challenge.challenge,
      expiresAt: Math.floor(expires.getTime() / 1000) * 1000,
    });
  });

  it("should refuse another product's solution, another key's, a wrong number and an expired one", async () => {
    const challenge = await createJoinChallenge(KEY, 7, 500, inFiveMinutes());
    const altcha = await solved(challenge);
    expect(await checkJoinSolution(KEY, 8, altcha)).toBeNull();
    expect(await checkJoinSolution('b'.repeat(64), 7, altcha)).toBeNull();
    const number = (JSON.parse(Buffer.from(altcha, 'base64').toString()) as { number: number }).number;
    expect(await checkJoinSolution(KEY, 7, await solved(challenge, number + 1))).toBeNull();
    const expired = await createJoinChallenge(KEY, 7, 500, new Date(Date.now() - 1_000));
    expect(await checkJoinSolution(KEY, 7, await solved(expired))).toBeNull();
  });

  it('should refuse a signed challenge without an expiry (it would never expire)', async () => {
    const forever = await createChallenge({ hmacKey: KEY, maxnumber: 500, params: { product: '7' } });
    expect(await checkJoinSolution(KEY, 7, await solved(forever))).toBeNull();
  });

  it.each([
    ['not base64 JSON', '%%%'],
    ['JSON null', Buffer.from('null').toString('base64')],
    [
      'a number that is a string',
      Buffer.from(
        '{"algorithm":"SHA-256","challenge":"a","number":"1","salt":"s?product=7&expires=9999999999&","signature":"x"}',
      ).toString('base64'),
    ],
    [
      'an unknown algorithm',
      Buffer.from(
        '{"algorithm":"MD5","challenge":"a","number":1,"salt":"s?product=7&expires=9999999999&","signature":"x"}',
      ).toString('base64'),
    ],
  ])('should refuse %s without throwing', async (_, altcha) => {
    await expect(checkJoinSolution(KEY, 7, altcha)).resolves.toBeNull();
  });
});
