/**
 * Skews this process's clock (`Date.now()` and `new Date()`) by `offsetMs`, the way a host
 * whose clock is off would see time, for the app under test that runs in this process.
 * Timers and the database's clock are untouched. Returns the function that puts the real
 * clock back. Dates made before or after keep passing `instanceof Date`.
 */
export function skewAppClock(offsetMs: number): () => void {
  const RealDate = globalThis.Date;
  class SkewedDate extends RealDate {
    constructor(...args: ConstructorParameters<DateConstructor> | []) {
      if (args.length === 0) super(RealDate.now() + offsetMs);
      else super(...(args as [string | number | Date]));
    }

    static override now(): number {
      return RealDate.now() + offsetMs;
    }

    static override [Symbol.hasInstance](value: unknown): boolean {
      return value instanceof RealDate;
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
  return () => {
    globalThis.Date = RealDate;
  };
}
