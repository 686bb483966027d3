import { TimeoutError, withTimeout } from './with-timeout';

describe(withTimeout.name, () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('should settle with the work when it finishes in time', async () => {
    await expect(withTimeout(Promise.resolve('done'), 100)).resolves.toBe('done');
    await expect(withTimeout(Promise.reject(new Error('boom')), 100)).rejects.toThrow('boom');
  });

  it('should reject with a TimeoutError when the work takes longer than the bound', async () => {
    const never = new Promise<string>(() => undefined);
    const bounded = withTimeout(never, 300);
    jest.advanceTimersByTime(300);
    await expect(bounded).rejects.toBeInstanceOf(TimeoutError);
  });

  it('should leave no timer behind once settled', async () => {
    await withTimeout(Promise.resolve(1), 1_000);
    expect(jest.getTimerCount()).toBe(0);
  });
});
