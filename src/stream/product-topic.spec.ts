import type { ProductResponseDto } from '../products/dto/product-response.dto';
import { ProductTopic } from './product-topic';

/** A load the test answers when it wants: the read stays in flight until then. */
function deferredLoads() {
  const pending: Array<(value: ProductResponseDto | null) => void> = [];
  const load = () => new Promise<ProductResponseDto | null>((resolve) => pending.push(resolve));
  return {
    load,
    answer: (value: ProductResponseDto | null) => pending.shift()!(value),
    count: () => pending.length,
  };
}

const product: ProductResponseDto = {
  id: 7,
  name: 'P',
  total_stock: 5,
  available_stock: 5,
  price: '1.00',
  sale_starts_at: null,
  sale_ends_at: null,
  max_per_customer: null,
  queue_enabled: false,
  queue_admit_per_minute: 600,
  queue_admission_seconds: 300,
};

describe(ProductTopic.name, () => {
  function setup() {
    const loads = deferredLoads();
    const absent: Array<[number, boolean]> = [];
    const sut = new ProductTopic(7, loads.load, 0, {
      readFailed: () => undefined,
      absent: (id, settled) => absent.push([id, settled]),
    });
    return { sut, loads, absent };
  }

  it('should report a miss as settled when no change came while it read', async () => {
    const { sut, loads, absent } = setup();
    const reading = sut.current(true);
    loads.answer(null);
    await expect(reading).resolves.toBeNull();
    expect(absent).toEqual([[7, true]]);
  });

  it('should not call a miss settled when a change (the creation) came while it read, and read again', async () => {
    const { sut, loads, absent } = setup();
    const reading = sut.current(true);
    sut.changed();
    loads.answer(null);
    await expect(reading).resolves.toBeNull();
    expect(absent).toEqual([[7, false]]);
    // The read again waits out the topic's timer slack (a couple of milliseconds), not a fixed tick.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(loads.count()).toBe(1);
    loads.answer(product);
    await new Promise((resolve) => setImmediate(resolve));
    await expect(sut.current(true)).resolves.toMatchObject({ productId: 7 });
  });

  it('should say nothing about a miss read by a topic closed meanwhile', async () => {
    const { sut, loads, absent } = setup();
    const reading = sut.current(true);
    sut.close();
    loads.answer(null);
    await reading;
    expect(absent).toEqual([]);
  });
});
