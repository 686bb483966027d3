import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hotProductBooks, sellOutBooks } from '../lib/accounting';
import { startApp } from '../lib/app-process';
import { measureCpu, procMeter } from '../lib/cpu';
import { load, LoadResult, settle } from '../lib/http-load';
import { sqliteStore } from '../lib/sqlite-store';
import { sellOut } from './sell-out';
import { measureJoins } from './waiting-room';

export interface EmbeddedProfile {
  hotSeconds: number;
  warmupSeconds: number;
  readSeconds: number;
  sellOutUnits: number;
  buyers: number;
  connections: number;
  /** The waiting room's joins (scenario 6), on this mode's in-process line. */
  waitingRoom: { joins: number; warmupJoins: number };
}

/**
 * The hot product, the sell-out, the reads and the waiting room's joins again, in the zero-setup mode: the same built
 * app on a SQLite file of its own, without Redis (memory cache, sweeper-only expiry).
 * The app holds its file exclusively while it runs (one process per file), so the books
 * are kept around it: products are written before it starts, and holds counted after it
 * stops. The only figure read while it runs, the holds stored after the warm-up, comes
 * from its own API.
 */
export async function embeddedMode(profile: EmbeddedProfile, port: number, env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'flash-sale-bench-'));
  const path = join(dir, 'bench.sqlite');
  const settings = { ...env, DB_TYPE: 'sqlite', SQLITE_PATH: path, REDIS_HOST: '' };
  const failures: string[] = [];
  try {
    // A first start creates the schema.
    await (await startApp(settings, port)).stop();
    let store = sqliteStore(path);
    const hotId = store.createProduct(100_000_000);
    const saleId = store.createProduct(profile.sellOutUnits);
    const readId = store.createProduct(100);
    const [warmQueueId, queueId] = [
      store.createQueueProduct(100_000_000),
      store.createQueueProduct(100_000_000),
    ];
    store.close();

    const app = await startApp(settings, port);
    let hot: Awaited<ReturnType<typeof measureCpu<LoadResult>>>;
    let holdsBefore: number;
    let sale: Awaited<ReturnType<typeof sellOut>>;
    let reads: Awaited<ReturnType<typeof measureCpu<LoadResult>>>;
    let joins: Awaited<ReturnType<typeof measureJoins>>;
    try {
      const holdRequest = {
        url: `${app.url}/api/holds`,
        method: 'POST' as const,
        body: { product_id: hotId, quantity: 1 },
      };
      await load({
        ...holdRequest,
        connections: profile.connections,
        durationSeconds: profile.warmupSeconds,
      });
      const stored = () => storedHolds(app.url);
      await settle(stored);
      holdsBefore = await storedHolds(app.url);
      const meters = { api: procMeter(app.pid) };
      hot = await measureCpu(meters, () =>
        load({ ...holdRequest, connections: profile.connections, durationSeconds: profile.hotSeconds }),
      );
      await settle(stored);

      sale = await sellOut(app.url, saleId, profile.buyers);

      const readUrl = `${app.url}/api/products/${readId}`;
      await load({ url: readUrl, connections: profile.connections, durationSeconds: profile.warmupSeconds });
      reads = await measureCpu(meters, () =>
        load({ url: readUrl, connections: profile.connections, durationSeconds: profile.readSeconds }),
      );

      joins = await measureJoins({
        appUrl: app.url,
        pid: app.pid,
        warmId: warmQueueId,
        lineId: queueId,
        ...profile.waitingRoom,
        connections: profile.connections,
        warmupSeconds: profile.warmupSeconds,
        label: 'embedded waiting room',
      });
    } finally {
      await app.stop();
    }

    store = sqliteStore(path);
    const after = store.stockReport(hotId);
    const saleReport = store.stockReport(saleId);
    store.close();

    const hotBooks = hotProductBooks('embedded hot product', hot, after, holdsBefore, profile.connections);
    const saleBooks = sellOutBooks('embedded sell-out', profile.sellOutUnits, sale, saleReport);
    failures.push(...hotBooks.failures, ...saleBooks.failures, ...joins.failures);

    if (reads.errors > 0 || reads.non2xx > 0) {
      failures.push(`embedded reads: ${reads.errors} errors, ${reads.non2xx} non-2xx`);
    }

    return {
      hotProduct: { ...hot, connections: profile.connections, accounting: hotBooks.accounting },
      sellOut: { ...sale, buyers: profile.buyers, accounting: saleBooks.accounting },
      reads,
      joins: joins.figures,
      failures,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every hold stored so far (only the hot product has holds at that point). */
async function storedHolds(baseUrl: string): Promise<number> {
  const response = await fetch(`${baseUrl}/api/holds?per_page=1`);
  const body = (await response.json()) as { meta: { total: number } };
  return body.meta.total;
}
