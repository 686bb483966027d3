import { TRUST_PROXY_PATTERN, trustProxyOption } from './trust-proxy';

describe(trustProxyOption.name, () => {
  it('should read off, on, a hop count and a list of proxy addresses', () => {
    expect(trustProxyOption('false')).toBe(false);
    expect(trustProxyOption('')).toBe(false);
    expect(trustProxyOption('true')).toBe(true);
    expect(trustProxyOption('2')).toBe(2);
    expect(trustProxyOption('10.0.0.1, 192.168.0.0/16,::1')).toEqual(['10.0.0.1', '192.168.0.0/16', '::1']);
  });

  it('should accept only those shapes in the environment', () => {
    for (const ok of ['false', 'true', '1', '127.0.0.1', '10.0.0.0/8,fd00::/8']) {
      expect(ok).toMatch(TRUST_PROXY_PATTERN);
    }
    for (const bad of ['yes', 'loopback; rm', '10.0.0.1,', '999']) {
      expect(bad).not.toMatch(TRUST_PROXY_PATTERN);
    }
  });
});
