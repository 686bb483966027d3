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
    const match = this.match(header);
    return typeof match === 'number' ? null : match;
  }

  /** The index of the configured token the header carries, else why it carries none. */
  match(header: string | string[] | undefined): number | BearerRefusal {
    if (header === undefined) return 'missing';
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (token === undefined) return 'malformed';
    const given = digest(token);
    let matched = -1;
    this.digests.forEach((expected, index) => {
      if (timingSafeEqual(given, expected) && matched < 0) matched = index;
    });
    return matched >= 0 ? matched : 'wrong_token';
  }
}
