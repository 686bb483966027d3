import type { Prng } from './prng';
import { DELAYS_RELEASES, FAULT_WEIGHTS, FaultKind, Topology } from './topology';

export interface PlannedFault {
  kind: FaultKind;
  /** Quiet time before it, after the previous fault healed. */
  gapMs: number;
  /** How long the thing stays down (a process, Redis, the database link). */
  pauseMs: number;
  /** Draws the target (which API, which node). */
  rng: Prng;
}

export interface FaultWindow {
  kind: FaultKind;
  target: string;
  start: number;
  /** When it was healed and the thing answered again; undefined while it lasts. */
  end?: number;
  error?: string;
}

/**
 * The seed's schedule of faults: kinds, gaps and pauses all come from the generator, so a
 * seed repeats the same sequence (the clock times shift with how long each healing takes).
 * Once per run (single mode), Redis comes back empty.
 */
export function planFaults(rng: Prng, mode: 'single' | 'cluster', runMs: number): PlannedFault[] {
  const weights = FAULT_WEIGHTS[mode] as Record<FaultKind, number>;
  // More than can fit; the run stops injecting at its end. The lost dataset comes early
  // enough in the run to happen whatever the restarts cost.
  const count = Math.ceil(runMs / 1000);
  const emptyAt = mode === 'single' ? rng.int(1, Math.max(1, Math.floor(runMs / 20_000))) : -1;
  return Array.from({ length: count }, (_, i) => ({
    kind: i === emptyAt ? 'redis-restart-empty' : rng.weighted(weights),
    gapMs: rng.int(300, 2_000),
    pauseMs: rng.int(200, 3_000),
    rng: rng.fork(),
  }));
}

/** Injects the planned faults until `until`, recording each one's window. */
export class Nemesis {
  readonly windows: FaultWindow[] = [];
  private stopped = false;
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly topology: Topology,
    private readonly plan: PlannedFault[],
  ) {}

  /**
   * Two lanes at once, each taking its faults in the plan's order: processes (one killed or
   * stopped at a time, so one API always serves) and the services (Redis, the database).
   * Their faults overlap at times, as real ones do.
   */
  async run(until: number): Promise<void> {
    const isProcessFault = (fault: PlannedFault) => fault.kind.startsWith('sig');
    await Promise.all([
      this.lane(this.plan.filter(isProcessFault), until),
      this.lane(
        this.plan.filter((fault) => !isProcessFault(fault)),
        until,
      ),
    ]);
  }

  private async lane(plan: PlannedFault[], until: number): Promise<void> {
    for (const fault of plan) {
      await this.sleep(fault.gapMs);
      if (this.stopped || Date.now() + fault.pauseMs > until) return;
      const window: FaultWindow = { kind: fault.kind, target: '', start: Date.now() };
      this.windows.push(window);
      try {
        window.target = await this.topology.inject(fault.kind, fault.rng, fault.pauseMs);
      } catch (error) {
        window.error = (error as Error).message.slice(0, 500);
      }
      window.end = Date.now();
    }
  }

  stop(): void {
    this.stopped = true;
    for (const wake of this.wakers) wake();
  }

  /** Time in [from, to] during which at least one fault that delays releases lasted. */
  releaseDelayWithin(from: number, to: number): number {
    const spans = this.windows
      .filter((window) => DELAYS_RELEASES.has(window.kind))
      .map((window) => [Math.max(window.start, from), Math.min(window.end ?? Date.now(), to)])
      .filter(([start, end]) => end > start)
      .sort((x, y) => x[0] - y[0]);
    let total = 0;
    let reached = -Infinity;
    for (const [start, end] of spans) {
      if (end <= reached) continue;
      total += end - Math.max(start, reached);
      reached = end;
    }
    return total;
  }

  /** The kinds of fault going on between `from` and `to`. */
  activeBetween(from: number, to: number): FaultKind[] {
    return this.windows
      .filter((window) => window.start <= to && from <= (window.end ?? Date.now()))
      .map((window) => window.kind);
  }

  /** The end of the last fault of `kinds` that ended at or before `at`. */
  lastEndBefore(at: number, kinds: ReadonlySet<FaultKind>): number | undefined {
    let last: number | undefined;
    for (const window of this.windows) {
      if (!kinds.has(window.kind) || window.end === undefined || window.end > at) continue;
      if (last === undefined || window.end > last) last = window.end;
    }
    return last;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}
