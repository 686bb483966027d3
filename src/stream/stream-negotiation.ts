/**
 * Whether the client takes an event stream: EventSource always sends
 * `Accept: text/event-stream`. Such a client is refused with a retry inside a 200 event
 * stream; any other (curl, a monitor) with the JSON error and its status.
 */
export function acceptsEventStream(accept: string | string[] | undefined): boolean {
  const value = Array.isArray(accept) ? accept.join(',') : (accept ?? '');
  return value.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    if (type !== 'text/event-stream') return false;
    const quality = params.find((param) => param.startsWith('q='));
    return quality === undefined || Number(quality.slice(2)) > 0;
  });
}

export interface RetryRange {
  min: number;
  max: number;
}

/** A reconnection delay drawn evenly in the range, so that refused or ended clients spread out. */
export function retryDelayMs({ min, max }: RetryRange, random: () => number = Math.random): number {
  return min + Math.floor(random() * (max - min + 1));
}
