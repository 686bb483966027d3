import { acceptsEventStream, retryDelayMs } from './stream-negotiation';

describe(acceptsEventStream.name, () => {
  it("should recognise EventSource's Accept, in a list and with parameters", () => {
    expect(acceptsEventStream('text/event-stream')).toBe(true);
    expect(acceptsEventStream('application/json, Text/Event-Stream; q=0.5')).toBe(true);
    expect(acceptsEventStream(['application/json', 'text/event-stream'])).toBe(true);
  });

  it('should not take a client that does not ask for an event stream, or refuses one', () => {
    expect(acceptsEventStream(undefined)).toBe(false);
    expect(acceptsEventStream('*/*')).toBe(false);
    expect(acceptsEventStream('application/json')).toBe(false);
    expect(acceptsEventStream('text/event-stream;q=0')).toBe(false);
  });
});

describe(retryDelayMs.name, () => {
  it('should draw from the whole range, both ends included', () => {
    const range = { min: 2_000, max: 5_000 };
    expect(retryDelayMs(range, () => 0)).toBe(2_000);
    expect(retryDelayMs(range, () => 0.5)).toBe(3_500);
    expect(retryDelayMs(range, () => 0.999_999_9)).toBe(5_000);
    expect(retryDelayMs({ min: 300, max: 300 }, () => 0.7)).toBe(300);
  });
});
