import { createHash, timingSafeEqual } from 'node:crypto';

const BEARER = /^Bearer +(\S+) *$/i;

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Why an Authorization header was refused, for a log line that never contains the token. */
export type BearerRefusal = 'missing' | 'malformed' | 'wrong_token';

/**
 * `Authorization: Bearer <token>` against a set of configured tokens (ADMIN_API_TOKEN,
 * METRICS_TOKEN). Digests are compared, so every comparison takes the same time whatever the
 * lengths, and every token is compared (no early exit), so the time does not say which one
 * nearly matched.
 */
export class BearerTokens {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  get configured(): boolean {
    return this.digests.length > 0;
  }

  /** null when the header carries one of the tokens, else why not. */
  refusal(header: string | string[] | undefined): BearerRefusal | null {
    if (header === undefined) return 'missing';
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (token === undefined) return 'malformed';
    const given = digest(token);
    let matched = false;
    for (const expected of this.digests) matched = timingSafeEqual(given, expected) || matched;
    return matched ? null : 'wrong_token';
  }
}
