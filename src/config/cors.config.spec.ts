import { corsConfig, corsProblems } from './cors.config';
import { parseEnv } from './env.schema';

const envOf = (raw: Record<string, string>) => parseEnv(raw).env;

describe('CORS_ORIGINS', () => {
  it('should read exact origins, comma-separated, and none when unset', () => {
    expect(
      corsConfig(envOf({ CORS_ORIGINS: 'https://shop.example.com, http://localhost:5173' })).origins,
    ).toEqual(['https://shop.example.com', 'http://localhost:5173']);
    expect(corsConfig(envOf({})).origins).toEqual([]);
  });

  it.each([
    ['a path', 'https://shop.example.com/cart'],
    ['a trailing slash', 'https://shop.example.com/'],
    ['no scheme', 'shop.example.com'],
    ['another scheme', 'ftp://shop.example.com'],
  ])('should refuse an entry with %s', (_, origin) => {
    expect(corsProblems(envOf({ CORS_ORIGINS: origin }))).toEqual([
      expect.stringMatching(/^CORS_ORIGINS: entry 1/),
    ]);
  });

  it('should accept * outside production only', () => {
    expect(corsProblems(envOf({ CORS_ORIGINS: '*' }))).toEqual([]);
    expect(corsProblems(envOf({ CORS_ORIGINS: '*', NODE_ENV: 'production' }))).toEqual([
      expect.stringMatching(/refused when NODE_ENV=production/),
    ]);
  });
});
