import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HoldReleasesService } from '../../src/holds/hold-releases.service';
import { insertHold } from '../factories/hold.factory';
import { createProduct } from '../factories/product.factory';
import { pollUntil } from '../utils/poll';
import { createTestApp, TestApp } from '../utils/test-app';
import { sendWebhook } from '../utils/webhook';

const ADMIN = 'admin-token-for-e2e-0123456789abcdef';
/** Every series of the waiting room, once a queue has waited, admitted, expired and sold out. */
const QUEUE_SERIES = [
  'flash_sale_queue_waiting',
  'flash_sale_queue_admitted_total',
  'flash_sale_queue_expired_total',
  'flash_sale_queue_sold_out_total',
  'flash_sale_queue_admission_lag_seconds_bucket',
];
const DASHBOARD = join(__dirname, '..', '..', 'docs', 'grafana', 'flash-sale-dashboard.json');

/** PromQL functions and aggregations the dashboard uses; any other word in an expression must be a metric. */
const PROMQL_WORDS = new Set(['sum', 'max', 'rate', 'histogram_quantile']);
/** Labels Prometheus adds to every series it scrapes, and the histogram's bucket bound. */
const SCRAPE_LABELS = new Set(['instance', 'job', 'le']);

interface Target {
  expr: string;
  legendFormat?: string;
}
interface Panel {
  title: string;
  targets?: Target[];
}

/** One sample line of the text exposition: `name{a="1",b="2"} 3`. */
type Sample = { name: string; labels: Set<string> };

/**
 * The Grafana dashboard (docs/grafana) queries only what the running app exposes at
 * /metrics, with the labels it groups and names series by, so the two never drift apart.
 */
describe('Grafana dashboard against GET /metrics (e2e)', () => {
  let t: TestApp;
  let samples: Sample[];
  const panels = (JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] }).panels;
  const targets = panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ panel: panel.title, ...target })),
  );

  beforeAll(async () => {
    t = await createTestApp({ ADMIN_API_TOKEN: ADMIN });
    // Every kind of event once, so every counter the dashboard reads has a series with its labels.
    const product = await createProduct(t.dataSource, { totalStock: 10, availableStock: 10 });
    const hold = await t.http.post('/api/holds').send({ product_id: product.id, quantity: 2 }).expect(201);
    await t.http.post('/api/holds').send({ product_id: product.id, quantity: 50 }).expect(409);
    const order = await t.http.post('/api/orders').send({ hold_id: hold.body.data.hold_id }).expect(201);
    await sendWebhook(t.http, {
      event_id: 'evt_dashboard',
      order_id: order.body.data.id,
      status: 'paid',
    }).expect(200);
    const expired = await insertHold(t.dataSource, {
      productId: product.id,
      quantity: 1,
      holdExpiresAt: new Date(Date.now() - 1_000),
    });
    await t.app.get(HoldReleasesService).release([expired.id], 'job');
    await t.http.get(`/api/products/${product.id}`).expect(200);
    await driveWaitingRooms();
    // The admission ticker's passes (every 250 ms) set the waiting gauge and count its decisions.
    samples =
      (await pollUntil(async () => {
        const scraped = parseExposition((await t.http.get('/metrics').expect(200)).text);
        return QUEUE_SERIES.every((name) => scraped.some((sample) => sample.name === name))
          ? scraped
          : undefined;
      }, Date.now() + 5_000)) ?? parseExposition((await t.http.get('/metrics').expect(200)).text);
  });

  afterAll(async () => {
    await t.close();
  });

  /** A line that waits, one that admits, one the admin disables and one whose stock is gone. */
  async function driveWaitingRooms(): Promise<void> {
    const admin = { Authorization: `Bearer ${ADMIN}` };
    const queued = async (body: Record<string, unknown>) =>
      (
        await t.http
          .post('/api/admin/products')
          .set(admin)
          .send({
            name: 'Drop',
            price: '10.00',
            total_stock: 5,
            max_per_customer: 1,
            queue_enabled: true,
            ...body,
          })
          .expect(201)
      ).body.data.id as number;
    const joinQueue = (id: number, customer: string) =>
      t.http.post(`/api/products/${id}/queue`).send({ customer_id: customer }).expect(201);
    const waiting = await queued({ sale_starts_at: new Date(Date.now() + 3_600_000).toISOString() });
    const admitting = await queued({ queue_admit_per_minute: 1_000_000 });
    const closed = await queued({});
    const soldOut = await queued({ total_stock: 0 });
    await joinQueue(waiting, 'dashboard-waiting');
    await joinQueue(admitting, 'dashboard-admitted');
    await joinQueue(closed, 'dashboard-closed');
    await joinQueue(soldOut, 'dashboard-sold-out');
    await t.http.patch(`/api/admin/products/${closed}`).set(admin).send({ queue_enabled: false }).expect(200);
  }

  it('should hold the panels the operations doc promises', () => {
    const metrics = new Set(targets.flatMap((target) => metricsOf(target.expr)));
    expect([...metrics].sort()).toEqual(
      expect.arrayContaining([
        'flash_sale_holds_created_total',
        'flash_sale_holds_refused_total',
        'flash_sale_holds_released_total',
        'flash_sale_orders_created_total',
        'flash_sale_payments_total',
        'flash_sale_product_available_stock',
        'http_request_duration_seconds_bucket',
        'process_cpu_seconds_total',
        'process_resident_memory_bytes',
        ...QUEUE_SERIES,
      ]),
    );
    expect(targets.filter((target) => target.expr.startsWith('histogram_quantile(0.5,'))).toHaveLength(1);
    expect(targets.filter((target) => target.expr.startsWith('histogram_quantile(0.99,'))).toHaveLength(1);
  });

  it('should query only metrics the app exposes, grouped and named by labels they carry', () => {
    for (const { panel, expr, legendFormat } of targets) {
      const metrics = metricsOf(expr);
      expect({ panel, expr, metrics: metrics.length > 0 }).toEqual({ panel, expr, metrics: true });
      const exposed = samples.filter((sample) => metrics.includes(sample.name));
      for (const metric of metrics) {
        expect({ panel, metric, exposed: exposed.some((sample) => sample.name === metric) }).toEqual({
          panel,
          metric,
          exposed: true,
        });
      }
      const labels = [...labelsGroupedBy(expr), ...labelsNamedIn(legendFormat ?? '')].filter(
        (label) => !SCRAPE_LABELS.has(label),
      );
      for (const label of labels) {
        const carried = exposed.some((sample) => sample.labels.has(label));
        expect({ panel, expr, label, carried }).toEqual({ panel, expr, label, carried: true });
      }
    }
  });
});

function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\bby\s*\([^)]*\)/g, '');
  return [...new Set(bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [])].filter(
    (word) => !PROMQL_WORDS.has(word),
  );
}

function labelsGroupedBy(expr: string): string[] {
  return [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((match) =>
    match[1].split(',').map((label) => label.trim()),
  );
}

function labelsNamedIn(legendFormat: string): string[] {
  return [...legendFormat.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((match) => match[1]);
}

function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [, name, labels = ''] = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s/.exec(line) ?? [];
      return { name, labels: new Set([...labels.matchAll(/(\w+)="/g)].map((match) => match[1])) };
    });
}
