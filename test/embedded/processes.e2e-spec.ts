import { existsSync } from 'node:fs';
import { createProduct } from '../factories/product.factory';
import {
  betweenUnits,
  cleanEnv,
  ChildRun,
  runEntry,
  sparePort,
  stop,
  waitForAnswer,
} from '../utils/embedded';
import { createTestApp, TestApp } from '../utils/test-app';
import { removeSqliteDatabase, sqlitePathFor, uniqueDatabaseName } from '../utils/test-env';

/**
 * Embedded mode is one process per SQLite file: a second API or a worker process is refused
 * with a message, and a killed process leaves no lock behind. Real processes (ts-node, no
 * build) with a clean environment, as a shell would start them.
 */
describe('One process per SQLite file (embedded e2e)', () => {
  let run: ChildRun | undefined;
  const names: string[] = [];

  function scratchDatabase(): string {
    const name = uniqueDatabaseName();
    names.push(name);
    return name;
  }

  afterEach(async () => {
    await stop(run);
    run = undefined;
  });

  afterAll(() => names.forEach(removeSqliteDatabase));

  it('should refuse a second API process on the same file, exit non-zero and say why', async () => {
    const holder: TestApp = await createTestApp();
    try {
      run = runEntry(
        'main',
        cleanEnv({ SQLITE_PATH: sqlitePathFor(holder.databaseName), PORT: String(await sparePort()) }),
      );

      const { code } = await run.exited;

      expect(code).toBe(1);
      expect(run.output()).toMatch(/SQLite database .*flash-sale\.sqlite is in use by another process/);
      expect(run.output()).toMatch(/runs as one process/);
      // The holder keeps serving.
      await holder.http.get('/api/products?per_page=1').expect(200);
    } finally {
      await holder.close();
    }
  });

  it('should refuse `npm run start:worker` in embedded mode, because the API process already releases holds', async () => {
    const path = sqlitePathFor(scratchDatabase());
    run = runEntry('worker', cleanEnv({ SQLITE_PATH: path }));

    const { code } = await run.exited;

    expect(code).toBe(1);
    expect(run.output()).toMatch(/start:worker is for the scale-out mode[\s\S]*runs the sweeper/);
    // Refused before touching the database.
    expect(existsSync(path)).toBe(false);
  });

  it('should reset an embedded database with the db:reset script, and refuse while an app holds it', async () => {
    const app = await createTestApp({ DB_DATABASE: scratchDatabase() });
    const env = cleanEnv({ SQLITE_PATH: sqlitePathFor(app.databaseName) });
    try {
      await betweenUnits(app, (dataSource) => createProduct(dataSource, { name: 'Left over' }));
      run = runEntry('cli/reset-database', env);
      expect((await run.exited).code).toBe(1);
      expect(run.output()).toMatch(/in use by another process/);
    } finally {
      await app.close({ keepDatabase: true });
    }

    run = runEntry('cli/reset-database', env);
    expect((await run.exited).code).toBe(0);
    expect(run.output()).toMatch(/reset and seeded/);

    const reopened = await createTestApp({ DB_DATABASE: app.databaseName });
    try {
      const products = await reopened.http.get('/api/products').expect(200);
      expect(products.body.data).toEqual([
        expect.objectContaining({ id: 1, name: 'Limited Edition Flash Sale Item', available_stock: 100 }),
      ]);
    } finally {
      await reopened.close({ keepDatabase: true });
    }
  });

  it('should let the next process take over the file when its holder is killed with SIGKILL, keeping its commits', async () => {
    const name = scratchDatabase();
    const port = await sparePort();
    run = runEntry('main', cleanEnv({ SQLITE_PATH: sqlitePathFor(name), PORT: String(port) }));
    const base = `http://127.0.0.1:${port}/api`;
    // The default start seeds the sample product.
    await waitForAnswer(`${base}/products/1`, run, Date.now() + 45_000);
    const hold = await fetch(`${base}/holds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ product_id: 1, quantity: 5 }),
    });
    expect(hold.status).toBe(201);

    run.child.kill('SIGKILL');
    expect(await run.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const next = await createTestApp({ DB_DATABASE: name });
    try {
      const product = await next.http.get('/api/products/1').expect(200);
      expect(product.body.data).toMatchObject({
        name: 'Limited Edition Flash Sale Item',
        available_stock: 95,
      });
      const holds = await next.http.get('/api/holds').expect(200);
      expect(holds.body.data).toEqual([
        expect.objectContaining({ product_id: 1, quantity: 5, status: 'active' }),
      ]);
    } finally {
      await next.close();
    }
  });
});
