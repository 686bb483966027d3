import { VerifiedTokenCache } from './verified-token-cache';

describe(VerifiedTokenCache.name, () => {
  it('should answer a token until its exp, never at or after it', () => {
    const sut = new VerifiedTokenCache(10);
    const key = VerifiedTokenCache.keyOf('token-a');
    sut.set(key, { id: 'a' }, 1_000);
    expect(sut.get(key, 999)).toEqual({ id: 'a' });
    expect(sut.get(key, 1_000)).toBeUndefined();
    expect(sut.size).toBe(0);
  });

  it('should keep no token itself, only its hash', () => {
    const key = VerifiedTokenCache.keyOf('eyJhbGciOiJFUzI1NiJ9.payload.signature');
    expect(key).not.toContain('eyJ');
    expect(key).toHaveLength(44);
  });

  it('should drop the least recently used entry once full', () => {
    const sut = new VerifiedTokenCache(2);
    sut.set('a', { id: 'a' }, 10);
    sut.set('b', { id: 'b' }, 10);
    expect(sut.get('a', 0)).toEqual({ id: 'a' }); // a is now the most recent
    sut.set('c', { id: 'c' }, 10);
    expect([sut.get('a', 0), sut.get('b', 0), sut.get('c', 0)]).toEqual([
      { id: 'a' },
      undefined,
      { id: 'c' },
    ]);
    expect(sut.size).toBe(2);
  });
});
