/**
 * What a subscriber hears: one product changed (`productId`), or `resync`: notifications
 * may have been lost (Redis was away), so every product watched must be read again.
 */
export type ProductChange = { kind: 'changed'; productId: number } | { kind: 'resync' };
