import { admissionKey, altchaKey } from './admission-token';

describe('keys derived from the queue token secret', () => {
  it('should derive the same ALTCHA key from the same secret (every process agrees), apart from the admission key', () => {
    const secret = 's'.repeat(32);
    expect(altchaKey(secret)).toBe(altchaKey(secret));
    expect(altchaKey(secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(altchaKey(secret)).not.toBe(admissionKey(secret).toString('hex'));
    expect(altchaKey(secret)).not.toBe(altchaKey('t'.repeat(32)));
  });
});
