import { spawn, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cleanEnv, ChildRun, ROOT, sparePort, track, waitForAnswer } from '../utils/embedded';

/** The target: from the end of `npm ci` to the seeded product answering. */
const DEADLINE_MS = 30_000;

/**
 * The README's first command on a machine with neither MySQL nor Redis: a copy of the
 * working tree as a clone has it (tracked and new files, nothing git ignores: no .env, no
 * dist, no data), the installed node_modules standing in for `npm ci`, then the real
 * `npm start` (build, migrate, seed, serve) with an environment that names no DB_* or
 * REDIS_* setting. Every outbound TCP connection of every process it starts is recorded.
 */
describe('Fresh clone: npm start with nothing configured (embedded e2e)', () => {
  let clone: string;
  let run: ChildRun | undefined;

  beforeAll(() => {
    clone = mkdtempSync(join(tmpdir(), 'flash-sale-clone-'));
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
    })
      .toString()
      .split('\n')
      .filter((file) => file && existsSync(join(ROOT, file)));
    for (const file of files) {
      mkdirSync(dirname(join(clone, file)), { recursive: true });
      cpSync(join(ROOT, file), join(clone, file));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  });

  afterAll(async () => {
    if (run && run.child.exitCode === null && run.child.signalCode === null) {
      // npm, its shell and node dist/main.js: the whole group this test started.
      process.kill(-run.child.pid!, 'SIGTERM');
      await run.exited;
    }
    rmSync(clone, { recursive: true, force: true });
  });

  it(`should serve the seeded product within ${DEADLINE_MS / 1000} s, never connecting to MariaDB, Redis or anything`, async () => {
    const port = await sparePort();
    const connections = join(clone, 'connections.jsonl');
    const started = Date.now();
    run = track(
      spawn('npm', ['start'], {
        cwd: clone,
        env: cleanEnv({
          PORT: String(port),
          NODE_OPTIONS: `--require ${join(ROOT, 'test', 'utils', 'connect-probe.js')}`,
          CONNECT_PROBE_LOG: connections,
          npm_config_update_notifier: 'false',
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      }),
    );

    const body = await waitForAnswer(
      `http://127.0.0.1:${port}/api/products/1`,
      run,
      started + DEADLINE_MS,
      (answer) => (answer as { data?: { name?: string } }).data?.name === 'Limited Edition Flash Sale Item',
    );
    const elapsedMs = Date.now() - started;

    expect(body).toEqual({
      status: 'success',
      data: {
        id: 1,
        name: 'Limited Edition Flash Sale Item',
        total_stock: 100,
        available_stock: 100,
        price: '99.99',
        sale_starts_at: null,
        sale_ends_at: null,
        max_per_customer: null,
        queue_enabled: false,
        queue_admit_per_minute: 600,
        queue_admission_seconds: 300,
      },
    });
    expect(elapsedMs).toBeLessThan(DEADLINE_MS);
    expect(existsSync(join(clone, 'data', 'flash-sale.sqlite'))).toBe(true);
    const attempts = existsSync(connections)
      ? readFileSync(connections, 'utf8').trim().split('\n').filter(Boolean)
      : [];
    expect(attempts).toEqual([]);
    console.log(`fresh clone: npm start answered GET /api/products/1 after ${elapsedMs} ms`);
  });
});
