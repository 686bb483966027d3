import { ServiceBusyError } from './errors/domain.error';
import { KeyedBatcher } from './keyed-batcher';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe(KeyedBatcher.name, () => {
  it('should run a request on an idle key at once, alone', async () => {
    const run = jest.fn((_key: string, requests: number[]) => Promise.resolve(requests.map((n) => n * 2)));
    const sut = new KeyedBatcher(run, { maxBatchSize: 10, maxQueued: 100 });

    await expect(sut.submit('a', 21)).resolves.toBe(42);

    expect(run).toHaveBeenCalledWith('a', [21]);
  });

  it('should group requests that arrive while a batch runs, keeping their order and answers', async () => {
    const gate = deferred<void>();
    const batches: number[][] = [];
    const sut = new KeyedBatcher(
      async (_key: string, requests: number[]) => {
        batches.push(requests);
        if (batches.length === 1) await gate.promise;
        return requests.map((n) => n + 100);
      },
      { maxBatchSize: 10, maxQueued: 100 },
    );

    const first = sut.submit('a', 1);
    const rest = [2, 3, 4].map((n) => sut.submit('a', n));
    gate.resolve();

    await expect(first).resolves.toBe(101);
    await expect(Promise.all(rest)).resolves.toEqual([102, 103, 104]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('should, with gatherEachTurn, put the requests of one event-loop turn in one batch though each batch runs at once', async () => {
    const batches: number[][] = [];
    const sut = new KeyedBatcher(
      (_key: string, requests: number[]) => {
        batches.push(requests);
        return Promise.resolve(requests.map((n) => n + 100));
      },
      { maxBatchSize: 10, maxQueued: 100, gatherEachTurn: true },
    );

    const answers = [1, 2, 3].map((n) => sut.submit('a', n));
    await Promise.resolve();
    answers.push(sut.submit('a', 4));

    await expect(Promise.all(answers)).resolves.toEqual([101, 102, 103, 104]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
    await expect(sut.submit('a', 5)).resolves.toBe(105);
    expect(batches).toEqual([[1, 2, 3, 4], [5]]);
  });

  it('should cap the batch size', async () => {
    const gate = deferred<void>();
    const batches: number[][] = [];
    const sut = new KeyedBatcher(
      async (_key: string, requests: number[]) => {
        batches.push(requests);
        if (batches.length === 1) await gate.promise;
        return requests;
      },
      { maxBatchSize: 2, maxQueued: 100 },
    );

    const all = [0, 1, 2, 3, 4].map((n) => sut.submit('a', n));
    gate.resolve();
    await Promise.all(all);

    expect(batches).toEqual([[0], [1, 2], [3, 4]]);
  });

  it('should run different keys independently', async () => {
    const gate = deferred<void>();
    const sut = new KeyedBatcher(
      async (key: string, requests: number[]) => {
        if (key === 'slow') await gate.promise;
        return requests;
      },
      { maxBatchSize: 10, maxQueued: 100 },
    );

    const slow = sut.submit('slow', 1);
    await expect(sut.submit('fast', 2)).resolves.toBe(2);
    gate.resolve();
    await expect(slow).resolves.toBe(1);
  });

  it('should reject every request of a failed batch and keep serving later ones', async () => {
    let calls = 0;
    const sut = new KeyedBatcher(
      (_key: string, requests: number[]) => {
        calls++;
        return calls === 1 ? Promise.reject(new Error('deadlock')) : Promise.resolve(requests);
      },
      { maxBatchSize: 10, maxQueued: 100 },
    );

    await expect(sut.submit('a', 1)).rejects.toThrow('deadlock');
    await expect(sut.submit('a', 2)).resolves.toBe(2);
  });

  it('should shed requests beyond the bound (queued or in a running batch) instead of queueing forever', async () => {
    const gate = deferred<void>();
    const sut = new KeyedBatcher(
      async (_key: string, requests: number[]) => {
        await gate.promise;
        return requests;
      },
      { maxBatchSize: 1, maxQueued: 3 },
    );

    const running = sut.submit('a', 1);
    const queued = [sut.submit('a', 2), sut.submit('a', 3)];
    const shed = sut.submit('a', 4);

    await expect(shed).rejects.toBeInstanceOf(ServiceBusyError);
    gate.resolve();
    await expect(Promise.all([running, ...queued])).resolves.toEqual([1, 2, 3]);
    await expect(sut.submit('a', 5)).resolves.toBe(5);
  });

  it('should count work run beside the batches against the same per-key bound', async () => {
    const gate = deferred<void>();
    const sut = new KeyedBatcher((_key: string, requests: number[]) => Promise.resolve(requests), {
      maxBatchSize: 10,
      maxQueued: 1,
    });

    const beside = sut.runBeside('a', () => gate.promise.then(() => 'keyed'));

    await expect(sut.submit('a', 1)).rejects.toBeInstanceOf(ServiceBusyError);
    await expect(sut.runBeside('a', () => Promise.resolve('again'))).rejects.toBeInstanceOf(ServiceBusyError);
    await expect(sut.submit('b', 2)).resolves.toBe(2);
    gate.resolve();
    await expect(beside).resolves.toBe('keyed');
    await expect(sut.runBeside('a', () => Promise.resolve('after'))).resolves.toBe('after');
  });

  it('should bound the requests waiting across keys', async () => {
    const gate = deferred<void>();
    const sut = new KeyedBatcher(
      async (_key: string, requests: number[]) => {
        await gate.promise;
        return requests;
      },
      { maxBatchSize: 10, maxQueued: 10, maxQueuedTotal: 2 },
    );

    const admitted = [sut.submit('a', 1), sut.runBeside('b', () => gate.promise.then(() => 2))];

    await expect(sut.submit('c', 3)).rejects.toBeInstanceOf(ServiceBusyError);
    await expect(sut.runBeside('d', () => Promise.resolve(4))).rejects.toBeInstanceOf(ServiceBusyError);
    gate.resolve();
    await expect(Promise.all(admitted)).resolves.toEqual([1, 2]);
    await expect(sut.submit('c', 3)).resolves.toBe(3);
  });
});
