import { StreamSlots } from './stream-slots';

describe(StreamSlots.name, () => {
  it('should refuse a client past its own limit while others still get slots', () => {
    const sut = new StreamSlots(10, 2);
    expect(sut.take('10.0.0.1')).toBeUndefined();
    expect(sut.take('10.0.0.1')).toBeUndefined();
    expect(sut.take('10.0.0.1')).toBe('client_limit');
    expect(sut.take('10.0.0.2')).toBeUndefined();
    expect(sut.size).toBe(3);
  });

  it('should refuse everyone at the server limit, and count a refusal as nothing taken', () => {
    const sut = new StreamSlots(2, 5);
    sut.take('a');
    sut.take('b');
    expect(sut.take('c')).toBe('server_limit');
    expect(sut.size).toBe(2);
    sut.release('a');
    expect(sut.take('c')).toBeUndefined();
  });

  it('should forget a client once its last slot is back, and ignore a release it never took', () => {
    const sut = new StreamSlots(10, 1);
    sut.take('a');
    sut.release('a');
    sut.release('a');
    sut.release('never');
    expect(sut.size).toBe(0);
    expect(sut.clients).toBe(0);
    expect(sut.take('a')).toBeUndefined();
  });
});
