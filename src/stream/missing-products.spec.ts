import { MissingProducts } from './missing-products';

describe(MissingProducts.name, () => {
  let now = 0;
  const clock = () => now;

  beforeEach(() => (now = 1_000));

  it('should remember a miss for the interval only', () => {
    const sut = new MissingProducts(250, clock);
    sut.add(7);
    now += 249;
    expect(sut.has(7)).toBe(true);
    now += 1;
    expect(sut.has(7)).toBe(false);
  });

  it('should forget a product at once when it changes, and everything on clear', () => {
    const sut = new MissingProducts(250, clock);
    sut.add(7);
    sut.add(8);
    sut.forget(7);
    expect(sut.has(7)).toBe(false);
    expect(sut.has(8)).toBe(true);
    sut.clear();
    expect(sut.has(8)).toBe(false);
  });

  it('should hold no more than the misses of one interval, however many ids were asked for', () => {
    const sut = new MissingProducts(250, clock);
    for (let id = 1; id <= 10_000; id++) {
      sut.add(id);
      now += 1;
    }
    expect(sut.size).toBeLessThanOrEqual(251);
  });

  it('should remember nothing when the interval is 0', () => {
    const sut = new MissingProducts(0, clock);
    sut.add(7);
    expect(sut.has(7)).toBe(false);
    expect(sut.size).toBe(0);
  });
});
