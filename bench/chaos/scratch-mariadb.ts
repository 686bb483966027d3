import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { sparePort } from '../../test/utils/ports';

const run = promisify(execFile);
const MARIADBD = process.env.MARIADBD ?? '/usr/sbin/mariadbd';

/**
 * A MariaDB server of the run's own: a fresh datadir (mariadb-install-db, about 0.5 s) and a
 * mariadbd child on a spare port of 127.0.0.1 (it answers in about 0.2 s), so the nemesis
 * never touches the machine's shared MariaDB and nothing of a run outlives it. Durability
 * is relaxed as in the Galera script (a scratch database, not a production setting).
 */
export class ScratchMariaDb {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(dir: string): Promise<ScratchMariaDb> {
    const server = new ScratchMariaDb(await sparePort(), dir);
    await server.install();
    await server.launch();
    return server;
  }

  private async install(): Promise<void> {
    mkdirSync(join(this.dir, 'data'), { recursive: true });
    await run(
      'mariadb-install-db',
      [
        '--no-defaults',
        ...userOption(),
        `--datadir=${join(this.dir, 'data')}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
      ],
      { timeout: 60_000 },
    );
  }

  private async launch(): Promise<void> {
    const child = spawn(
      MARIADBD,
      [
        '--no-defaults',
        ...userOption(),
        `--datadir=${join(this.dir, 'data')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        `--socket=${join(this.dir, 'mariadbd.sock')}`,
        `--pid-file=${join(this.dir, 'mariadbd.pid')}`,
        `--log-error=${join(this.dir, 'error.log')}`,
        '--skip-name-resolve',
        '--performance-schema=OFF',
        '--innodb-buffer-pool-size=64M',
        '--innodb-flush-log-at-trx-commit=2',
        '--max-connections=400',
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) {
        throw new Error(`mariadbd exited (${child.exitCode}); see ${this.dir}/error.log`);
      }
      try {
        const connection = await createConnection({ host: '127.0.0.1', port: this.port, user: 'root' });
        await connection.end();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async createDatabase(name: string): Promise<void> {
    const connection = await createConnection({ host: '127.0.0.1', port: this.port, user: 'root' });
    try {
      await connection.query(
        `CREATE DATABASE ${connection.escapeId(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
    } finally {
      await connection.end();
    }
  }

  /** SIGTERM (a clean shutdown), SIGKILL after 20 s; resolves once the process is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

/** mariadbd refuses to run as root unless told to. */
function userOption(): string[] {
  return process.getuid?.() === 0 ? ['--user=root'] : [];
}
