/**
 * Polls `probe` (sync or async) until it returns a value other than undefined, or the deadline (a Date.now()
 * timestamp) passes; then returns the last probe's answer (undefined if it never came).
 * Deadlines are functional targets from the issue (e.g. "within 1 s of hold_expires_at").
 */
export async function pollUntil<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  deadline: number,
  intervalMs = 50,
): Promise<T | undefined> {
  for (;;) {
    const value = await probe();
    if (value !== undefined || Date.now() > deadline) return value;
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
