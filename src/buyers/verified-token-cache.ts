import { createHash } from 'node:crypto';
import type { Buyer } from './buyer';

interface Entry {
  buyer: Buyer;
  /** The token's `exp`, in ms: the entry is never used at or after it. */
  expiresAtMs: number;
}

/**
 * Tokens that verified, until their `exp`, so a buyer's next request skips the signature
 * check (the hot path's biggest item otherwise). Keyed by a SHA-256 of the token, so the
 * process never keeps tokens themselves; least recently used entries go first once full.
 * A Map iterates in insertion order: a hit is moved to the end, the first key is the oldest.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries: number) {}

  static keyOf(token: string): string {
    return createHash('sha256').update(token).digest('base64');
  }

  get(key: string, nowMs: number): Buyer | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (nowMs >= entry.expiresAtMs) return undefined;
    this.entries.set(key, entry);
    return entry.buyer;
  }

  set(key: string, buyer: Buyer, expiresAtMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { buyer, expiresAtMs });
    if (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
