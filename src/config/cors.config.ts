import type { Env } from './env.schema';

/** Every origin: accepted outside production only. */
export const ANY_ORIGIN = '*';

/** CORS_ORIGINS's entries: comma-separated, surrounding spaces ignored; none when unset. */
export function corsOriginsOf(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((origin) => origin.trim());
}

/** The 'cors' section of the configuration, from the validated environment (see loadConfig). */
export function corsConfig(env: Env) {
  return {
    /** Exact origins (scheme://host[:port]) allowed to call the public routes; empty: no CORS at all. */
    origins: corsOriginsOf(env.CORS_ORIGINS),
  };
}

export type CorsConfig = ReturnType<typeof corsConfig>;

/** Each entry an exact origin as a browser sends it (no path, no trailing slash), or `*` outside production. */
export function corsProblems(env: Env): string[] {
  return corsOriginsOf(env.CORS_ORIGINS).flatMap((origin, index) => {
    if (origin === ANY_ORIGIN) {
      return env.NODE_ENV === 'production'
        ? [
            "CORS_ORIGINS: `*` (every origin) is refused when NODE_ENV=production; list the storefronts' origins",
          ]
        : [];
    }
    return isExactOrigin(origin)
      ? []
      : [
          `CORS_ORIGINS: entry ${index + 1} ("${origin.slice(0, 100)}") is not an origin such as https://shop.example.com`,
        ];
  });
}

function isExactOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}
