import { execFileSync, spawn } from 'node:child_process';
import Redis from 'ioredis';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, ROOT, track } from '../utils/embedded';
import { dropDatabase, TEST_DB, uniqueDatabaseName, withServerConnection } from '../utils/test-env';

/** What `npm run build` reads. */
const BUILD_INPUTS = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
  '.swcrc',
  'src',
  'migrations',
];

/**
 * The operator scripts as the production image runs them: `npm run <script>` in a folder that
 * holds the build and the production dependencies only (what `npm prune --omit=dev` leaves),
 * so a script that needs ts-node, or any dev dependency, fails here. Against a database of
 * this suite's own on the machine's MariaDB.
 */
describe('Operator scripts from the build, production dependencies only (e2e)', () => {
  let image: string;
  const database = uniqueDatabaseName();
  const env = cleanEnv({
    NODE_ENV: 'production',
    DB_TYPE: TEST_DB.type,
    DB_HOST: TEST_DB.host,
    DB_PORT: String(TEST_DB.port),
    DB_USERNAME: TEST_DB.user,
    DB_PASSWORD: TEST_DB.password,
    DB_DATABASE: database,
    PAYMENT_WEBHOOK_SECRET: 'whsec_cli_scripts_test',
    npm_config_update_notifier: 'false',
  });

  beforeAll(() => {
    image = mkdtempSync(join(tmpdir(), 'flash-sale-image-'));
    for (const input of BUILD_INPUTS) cpSync(join(ROOT, input), join(image, input), { recursive: true });
    // The build stage: every dependency.
    symlinkSync(join(ROOT, 'node_modules'), join(image, 'node_modules'), 'dir');
    execFileSync('npm', ['run', 'build'], { cwd: image, env: cleanEnv(), stdio: 'pipe' });
    // The runtime stage: production dependencies only, hard-linked (same files, no copying).
    unlinkSync(join(image, 'node_modules'));
    mkdirSync(join(image, 'node_modules'));
    for (const path of productionPackages()) {
      const target = join(image, 'node_modules', path);
      mkdirSync(join(target, '..'), { recursive: true });
      execFileSync('cp', ['-al', join(ROOT, 'node_modules', path), target]);
    }
    rmSync(join(image, 'src'), { recursive: true });
  });

  afterAll(async () => {
    rmSync(image, { recursive: true, force: true });
    await dropDatabase(database);
  });

  const npmRun = async (...args: string[]) => npmRunWith({}, ...args);
  const npmRunWith = async (extra: Record<string, string>, ...args: string[]) => {
    const run = track(
      spawn('npm', ['run', '--silent', ...args], {
        cwd: image,
        env: { ...env, ...extra },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const { code } = await run.exited;
    return { code, output: run.output() };
  };

  it('should run them in a folder without the sources or the dev-only packages', () => {
    const resolvable = (name: string) => {
      try {
        require.resolve(name, { paths: [image] });
        return true;
      } catch {
        return false;
      }
    };
    expect(['@nestjs/cli', 'jest', 'supertest', 'typeorm', 'mysql2'].filter(resolvable)).toEqual([
      'typeorm',
      'mysql2',
    ]);
    expect(resolvable(join(image, 'src', 'cli', 'audit-stock.ts'))).toBe(false);
  });

  it('should reset and seed the database, then find every unit of the fresh install accounted for', async () => {
    const reset = await npmRun('db:reset');
    expect(reset).toEqual({
      code: 0,
      output: expect.stringContaining(`Database '${database}' reset and seeded.`),
    });

    const audit = await npmRun('audit:stock');
    expect(audit).toEqual({ code: 0, output: expect.stringContaining('All 1 products accounted for.') });
  });

  it('should report nothing pending after the reset, revert the last migration and run it again', async () => {
    expect(await npmRun('migration:run')).toEqual({
      code: 0,
      output: expect.stringContaining('No migrations are pending'),
    });
    expect(await npmRun('migration:revert')).toEqual({
      code: 0,
      output: expect.stringMatching(/reverted successfully/),
    });
    expect(await npmRun('migration:run')).toEqual({
      code: 0,
      output: expect.stringMatching(/executed successfully/),
    });
  });

  it('should exit 1 naming the product whose units do not add up', async () => {
    await withServerConnection((connection) =>
      connection.query(
        `UPDATE ${connection.escapeId(database)}.products SET available_stock = available_stock - 3 WHERE id = 1`,
      ),
    );
    const audit = await npmRun('audit:stock');
    expect(audit).toEqual({ code: 1, output: expect.stringContaining('Stock differences on products 1') });
    expect(await npmRun('audit:stock', '--', '--ignore=1')).toEqual({
      code: 0,
      output: expect.stringContaining('All 0 products'),
    });
  });

  it('should clear the product cache (cache:clear) and the whole namespace (db:reset), never another prefix', async () => {
    const redis = new Redis({
      host: process.env.REDIS_HOST || '127.0.0.1',
      port: Number(process.env.REDIS_PORT || 6379),
    });
    const withRedis = { REDIS_HOST: process.env.REDIS_HOST || '127.0.0.1', REDIS_PREFIX: database };
    const [cached, queued, neighbour] = [
      `${database}:cache::product:{x-1}:gen`,
      `${database}:x:hold-expiry:id`,
      `${database}_neighbour:cache::k`,
    ];
    try {
      for (const key of [cached, queued, neighbour]) await redis.set(key, '1');

      const clear = await npmRunWith(withRedis, 'cache:clear');
      expect(clear).toEqual({
        code: 0,
        output: expect.stringContaining(`Product cache under '${database}:' cleared (1 keys).`),
      });
      expect(await redis.exists(cached, queued, neighbour)).toBe(2);
      expect(await redis.exists(cached)).toBe(0);

      const reset = await npmRunWith(withRedis, 'db:reset');
      expect(reset).toEqual({
        code: 0,
        output: expect.stringContaining(`Redis keys under '${database}:' cleared.`),
      });
      expect(await redis.exists(queued)).toBe(0);
      expect(await redis.exists(neighbour)).toBe(1);
    } finally {
      await redis.del(cached, queued, neighbour);
      redis.disconnect();
    }
  });

  it('should refuse cache:clear without Redis, saying where the cache is', async () => {
    const clear = await npmRun('cache:clear');
    expect(clear).toEqual({
      code: 1,
      output: expect.stringContaining(
        'No REDIS_HOST or REDIS_CLUSTER_NODES: the product cache lives in the API process',
      ),
    });
  });
});

describe('migration:generate (development, ts-node)', () => {
  it('should refuse the default SQLite file, whose SQL the migrations must not carry', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'flash-sale-cwd-'));
    try {
      const bin = join(ROOT, 'node_modules', '.bin', 'typeorm-ts-node-commonjs');
      const run = track(
        spawn(
          bin,
          ['-d', join(ROOT, 'src', 'cli', 'data-source.ts'), 'migration:generate', join(cwd, 'Anything')],
          {
            cwd,
            env: cleanEnv({ TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), TS_NODE_TRANSPILE_ONLY: 'true' }),
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        ),
      );
      expect((await run.exited).code).toBe(1);
      expect(run.output()).toContain(
        'migration:generate diffs the entities against MySQL/MariaDB: set DB_TYPE=mysql',
      );
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

/** Top-level folders (`name` or `@scope/name`) of the installed production dependencies. */
function productionPackages(): string[] {
  const output = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: ROOT,
    env: cleanEnv(),
  }).toString();
  const prefix = join(ROOT, 'node_modules') + '/';
  const names = output
    .split('\n')
    .filter((path) => path.startsWith(prefix))
    .map((path) => path.slice(prefix.length))
    // Nested copies live inside their parent's folder, which is copied whole.
    .filter((path) => !path.includes('/node_modules/'));
  return [...new Set(names)];
}
