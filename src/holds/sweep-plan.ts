export interface ExpiredHoldRef {
  id: number;
  productId: number;
}

/**
 * Groups expired holds by product (a release locks the product, then its holds) in random
 * product order, so sweepers of several instances mostly start on different products
 * instead of queueing behind each other on the same product lock.
 */
export function planSweep(
  holds: readonly ExpiredHoldRef[],
  random: () => number = Math.random,
): Array<[number, number[]]> {
  const byProduct = new Map<number, number[]>();
  for (const hold of holds) {
    const ids = byProduct.get(hold.productId) ?? [];
    ids.push(hold.id);
    byProduct.set(hold.productId, ids);
  }
  const groups = [...byProduct.entries()];
  for (let i = groups.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [groups[i], groups[j]] = [groups[j], groups[i]];
  }
  return groups;
}
