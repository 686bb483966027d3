import { runBuilt } from '../../test/cluster/cluster-env';
import type { ChildRun } from '../../test/utils/embedded';
import { waitForAnswer } from '../../test/utils/embedded';

const START_TIMEOUT_MS = 120_000;
/** A SIGTERM that has not ended the process by then is followed by SIGKILL. */
const TERM_GRACE_MS = 30_000;
const MAX_KEPT_OUTPUT = 8_000_000;

export interface UnexpectedExit {
  process: string;
  code: number | null;
  signal: string | null;
  at: number;
  lastOutput: string;
}

/**
 * One built process of the deployment (`node dist/main.js` or `dist/worker.js`) that the
 * nemesis may kill and restart, on the same port each time (what a load balancer expects).
 * An exit nobody asked for is recorded: a process must only stop when told to.
 */
export class ManagedProcess {
  private run: ChildRun | undefined;
  private earlierOutput = '';
  private ready = false;
  private stopping = false;
  readonly unexpectedExits: UnexpectedExit[] = [];
  /** Starts that ended with the process exiting before it served. */
  bootFailures = 0;

  constructor(
    readonly name: string,
    readonly entry: 'main' | 'worker',
    private readonly env: Record<string, string>,
    readonly port = 0,
  ) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  /** Started, serving (or, for the worker, started its queues) and not being stopped. */
  get up(): boolean {
    return (
      this.ready &&
      this.run !== undefined &&
      this.run.child.exitCode === null &&
      this.run.child.signalCode === null
    );
  }

  get pid(): number | undefined {
    return this.run?.child.pid;
  }

  /**
   * Starts the process and waits until it serves. A process that exits while booting (the
   * database or Redis unreachable at that moment: it fails fast, as an orchestrator expects)
   * is started again, within START_TIMEOUT_MS.
   */
  async start(): Promise<void> {
    if (this.up) return;
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      this.stopping = false;
      this.earlierOutput = this.output();
      const run = runBuilt(this.entry, {
        ...this.env,
        ...(this.entry === 'main' ? { PORT: String(this.port) } : {}),
      });
      this.run = run;
      void run.exited.then(({ code, signal }) => {
        const wasServing = this.ready;
        this.ready = false;
        if (wasServing && !this.stopping && this.run === run) {
          this.unexpectedExits.push({
            process: this.name,
            code,
            signal,
            at: Date.now(),
            lastOutput: run.output().slice(-4000),
          });
        }
      });
      if (await this.becomesReady(run, deadline)) {
        this.ready = true;
        return;
      }
      this.bootFailures++;
      if (Date.now() > deadline) throw new Error(`${this.name} did not start:\n${run.output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  /** True once it serves; false if it exited first. */
  private async becomesReady(run: ChildRun, deadline: number): Promise<boolean> {
    if (this.entry === 'main') {
      return waitForAnswer(`${this.base}/products?per_page=1`, run, deadline).then(
        () => true,
        () => false,
      );
    }
    while (!run.output().includes('"event":"worker.started"')) {
      if (run.child.exitCode !== null || run.child.signalCode !== null || Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return true;
  }

  /** Sends `signal` and resolves once the process is gone (SIGKILL after a grace for SIGTERM). */
  async signal(signal: 'SIGKILL' | 'SIGTERM'): Promise<{ code: number | null; signal: string | null }> {
    const run = this.run;
    this.ready = false;
    this.stopping = true;
    if (!run || run.child.exitCode !== null || run.child.signalCode !== null) {
      return { code: null, signal: null };
    }
    const timer = setTimeout(() => run.child.kill('SIGKILL'), TERM_GRACE_MS);
    run.child.kill(signal);
    const exit = await run.exited;
    clearTimeout(timer);
    return exit;
  }

  stop(): Promise<unknown> {
    return this.signal('SIGTERM');
  }

  /** Everything its lives wrote (the last MAX_KEPT_OUTPUT characters), for the run's log files. */
  output(): string {
    return (this.earlierOutput + (this.run?.output() ?? '')).slice(-MAX_KEPT_OUTPUT);
  }
}
