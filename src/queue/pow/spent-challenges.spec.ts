import { MemorySpentChallenges } from './spent-challenges';

describe(MemorySpentChallenges.name, () => {
  const NOW = 1_000_000;

  it('should spend a challenge once until its expiry', async () => {
    const spent = new MemorySpentChallenges();
    expect(await spent.spend('a', NOW + 300_000, NOW)).toBe(true);
    expect(await spent.spend('a', NOW + 300_000, NOW + 1)).toBe(false);
    expect(await spent.spend('b', NOW + 300_000, NOW + 1)).toBe(true);
  });

  it('should drop entries at their expiry', async () => {
    const spent = new MemorySpentChallenges();
    await spent.spend('a', NOW + 10, NOW);
    await spent.spend('b', NOW + 20, NOW);
    await spent.spend('c', NOW + 1_000, NOW + 15);
    expect(spent.size).toBe(2);
  });

  it('should stay within its bound, letting the oldest entry go', async () => {
    const spent = new MemorySpentChallenges(3);
    for (const id of ['a', 'b', 'c', 'd']) expect(await spent.spend(id, NOW + 300_000, NOW)).toBe(true);
    expect(spent.size).toBe(3);
    expect(await spent.spend('d', NOW + 300_000, NOW)).toBe(false);
    expect(await spent.spend('a', NOW + 300_000, NOW)).toBe(true);
  });
});
