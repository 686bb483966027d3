import { planSweep } from './sweep-plan';

describe(planSweep.name, () => {
  const holds = [
    { id: 1, productId: 10 },
    { id: 2, productId: 20 },
    { id: 3, productId: 10 },
    { id: 4, productId: 30 },
    { id: 5, productId: 20 },
  ];

  it("should group every hold under its product, once, keeping the order of each product's holds", () => {
    const plan = planSweep(holds);

    expect(new Map(plan)).toEqual(
      new Map([
        [10, [1, 3]],
        [20, [2, 5]],
        [30, [4]],
      ]),
    );
  });

  it('should visit products in a random order, so instances start on different products', () => {
    const orders = new Set<string>();
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let i = 0; i < 50; i++) {
      orders.add(
        planSweep(holds, random)
          .map(([productId]) => productId)
          .join(','),
      );
    }

    expect(orders.size).toBeGreaterThan(1);
  });

  it('should plan nothing when nothing expired', () => {
    expect(planSweep([])).toEqual([]);
  });
});
