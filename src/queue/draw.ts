import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * The verifiable draw (issue 24), pure: the seed is drawn and its commitment published when
 * the queue is enabled, before anyone can join; at the start every pre-queue entry is ordered
 * by ascending hmac_sha256hex(key = seed, message = entry_hash). Anyone holding the revealed
 * seed and the published hashes recomputes the same order.
 */
export function drawSeed(): string {
  return randomBytes(32).toString('hex');
}

export function sha256hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** sha256hex of the seed's 64 characters as UTF-8. */
export function commitmentOf(seed: string): string {
  return sha256hex(seed);
}

export function drawKey(seed: string, entryHash: string): string {
  return createHmac('sha256', Buffer.from(seed, 'utf8')).update(entryHash, 'utf8').digest('hex');
}

/** The entries in drawn order (ties, which need a SHA-256 collision, fall back to the hash itself). */
export function drawOrder<T extends { entryHash: string }>(seed: string, entries: readonly T[]): T[] {
  const keyed = entries.map((entry) => ({ entry, key: drawKey(seed, entry.entryHash) }));
  keyed.sort((a, b) => compare(a.key, b.key) || compare(a.entry.entryHash, b.entry.entryHash));
  return keyed.map(({ entry }) => entry);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Seed and commitment for a queue being enabled: a draw only when the sale starts in the
 * future (early arrivals are then ordered by the draw); otherwise none, first come first served.
 */
export function drawFor(
  saleStartsAt: Date | null,
  now: Date,
): { queueSeed: string | null; queueCommitment: string | null } {
  if (saleStartsAt === null || saleStartsAt.getTime() <= now.getTime()) {
    return { queueSeed: null, queueCommitment: null };
  }
  const seed = drawSeed();
  return { queueSeed: seed, queueCommitment: commitmentOf(seed) };
}
