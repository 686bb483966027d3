import { Mutex } from './mutex';

describe(Mutex.name, () => {
  it('should run units one at a time, in arrival order, even when they await inside', async () => {
    const sut = new Mutex();
    const trace: string[] = [];
    const unit = (name: string, ms: number) =>
      sut.runExclusive(async () => {
        trace.push(`${name}:start`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        trace.push(`${name}:end`);
        return name;
      });

    const results = await Promise.all([unit('a', 20), unit('b', 1), unit('c', 5)]);

    expect(results).toEqual(['a', 'b', 'c']);
    expect(trace).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('should release the lock when a unit fails', async () => {
    const sut = new Mutex();
    await expect(sut.runExclusive(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(sut.runExclusive(() => Promise.resolve('next'))).resolves.toBe('next');
  });
});
