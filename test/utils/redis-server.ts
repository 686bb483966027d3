import { ChildProcess, spawn } from 'node:child_process';
import Redis from 'ioredis';
import { sparePort } from './ports';

/** Nothing on disk, in the foreground (a child we can stop), local connections only. */
const SERVER_ARGS = ['--save', '', '--appendonly', 'no', '--daemonize', 'no', '--bind', '127.0.0.1'];

/**
 * A throwaway redis-server child process on a spare port, so a test can take Redis away
 * and bring it back without touching the shared Redis on 6379 that other suites use.
 * Nothing is persisted by itself: a restart comes back empty, as after a crash without
 * persistence, unless `dataDir` is given and save() ran before the stop (then the restart
 * loads what was saved, as a Redis with snapshots would).
 */
export class RedisServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dataDir?: string,
  ) {}

  /** Picks a free port; call start() to run the server on it. */
  static async onSparePort(options: { dataDir?: string } = {}): Promise<RedisServer> {
    return new RedisServer(await sparePort(), options.dataDir);
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts (or restarts, on the same port) and resolves once it answers PING. */
  async start(): Promise<void> {
    if (this.child) return;
    const snapshot = this.dataDir ? ['--dir', this.dataDir, '--dbfilename', 'dump.rdb'] : [];
    const child = spawn('redis-server', ['--port', String(this.port), ...SERVER_ARGS, ...snapshot], {
      stdio: 'ignore',
    });
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    await this.waitUntilAnswering();
  }

  /** Stops the server and waits until the process is gone: connections are refused from then on. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** Writes the dataset to `dataDir` (SAVE), so the next start loads it. */
  async save(): Promise<void> {
    const client = new Redis({
      port: this.port,
      host: '127.0.0.1',
      lazyConnect: true,
      connectTimeout: 2_000,
      commandTimeout: 10_000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.save();
    } finally {
      client.disconnect();
    }
  }

  private async waitUntilAnswering(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const client = new Redis({
        port: this.port,
        host: '127.0.0.1',
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        if ((await client.ping()) === 'PONG') return;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${this.port}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        client.disconnect();
      }
    }
  }
}

/**
 * Deletes the keys matching `pattern` (e.g. `<prefix>:*`, a suite's queues and cache entries)
 * and `keep` does not spare, so suites leave nothing behind in a shared Redis. Best effort
 * and bounded: a Redis that is down is skipped.
 */
export async function deleteRedisKeys(
  port: number,
  pattern: string,
  keep: (key: string) => boolean = () => false,
): Promise<void> {
  const client = new Redis({
    host: process.env.REDIS_HOST || '127.0.0.1',
    port,
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      const keys = found.filter((key) => !keep(key));
      if (keys.length > 0) await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // Nothing to clean where Redis is not running.
  } finally {
    client.disconnect();
  }
}
