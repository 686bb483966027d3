import { ChildRun } from '../utils/embedded';
import { seriesValue } from '../utils/exposition';
import { pollUntil, sleep } from '../utils/poll';
import { ApiProcess, cleanUp, logEvents, scaleOutEnv, startApi } from '../utils/scale-out';
import { uniqueDatabaseName } from '../utils/test-env';

const ADMIN = 'admin-token-for-e2e-0123456789abcdef';
const TICKETS = 8;

/**
 * The waiting room's metrics and logs with two real API processes on one line: each decision
 * is counted and logged once, by the process that made it (so Prometheus sums the counters
 * over processes), while every process reports the same waiting gauge (so it takes the max).
 */
describe('Waiting room metrics across API processes (e2e, real processes)', () => {
  const databaseName = uniqueDatabaseName();
  const runs: ChildRun[] = [];
  let a: ApiProcess;
  let b: ApiProcess;

  beforeAll(async () => {
    const env = scaleOutEnv(databaseName, { ADMIN_API_TOKEN: ADMIN, LOG_LEVEL: 'info' });
    [a, b] = await Promise.all([startApi(env), startApi(env)]);
    runs.push(a.run, b.run);
  }, 180_000);

  afterAll(async () => {
    await cleanUp(databaseName, runs);
  });

  const call = async (api: ApiProcess, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${api.base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { data: Record<string, unknown> } };
  };
  const scrape = async (api: ApiProcess) => (await fetch(`http://127.0.0.1:${api.port}/metrics`)).text();
  const onBoth = async (name: string, labels: Record<string, string | number>) =>
    Promise.all([a, b].map(async (api) => seriesValue(await scrape(api), name, labels) ?? 0));
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

  it('should count and log each admission once for the deployment, and show the same waiting line on both', async () => {
    const created = await call(a, 'POST', '/admin/products', {
      name: 'Drop',
      price: '10.00',
      total_stock: 100,
      max_per_customer: 1,
      queue_enabled: true,
      // 4 a second: the 8 admissions span several passes of both processes' tickers.
      queue_admit_per_minute: 240,
      sale_starts_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(created.status).toBe(201);
    const productId = created.body.data.id as number;
    const ticketIds: string[] = [];
    for (let i = 0; i < TICKETS; i++) {
      const joined = await call(i % 2 === 0 ? a : b, 'POST', `/products/${productId}/queue`, {
        customer_id: `metrics-buyer-${i}`,
      });
      expect(joined.status).toBe(201);
      ticketIds.push(joined.body.data.ticket_id as string);
    }
    const label = { product_id: productId };

    // Each process reports the whole shared line: max is the line, sum would double it.
    const waiting = await pollUntil(async () => {
      const values = await onBoth('flash_sale_queue_waiting', label);
      return values.every((value) => value === TICKETS) ? values : undefined;
    }, Date.now() + 5_000);
    expect(waiting).toEqual([TICKETS, TICKETS]);

    const started = await call(b, 'PATCH', `/admin/products/${productId}`, {
      sale_starts_at: new Date(Date.now() - 1_000).toISOString(),
    });
    expect(started.status).toBe(200);
    const admitted = await pollUntil(async () => {
      const values = await onBoth('flash_sale_queue_admitted_total', label);
      return sum(values) >= TICKETS ? values : undefined;
    }, Date.now() + 10_000);
    // A few more passes of both tickers: nothing is counted twice.
    await sleep(1_000);
    expect(sum(await onBoth('flash_sale_queue_admitted_total', label))).toBe(TICKETS);
    expect(admitted).toBeDefined();
    expect(sum(await onBoth('flash_sale_queue_admission_lag_seconds_count', {}))).toBe(TICKETS);
    // Each pass reports the line as it found it, before its own admissions: the line emptied,
    // each process shows 0 from its next pass on, however late a loaded machine runs it.
    const emptied = await pollUntil(async () => {
      const values = await onBoth('flash_sale_queue_waiting', label);
      return values.every((value) => value === 0) ? values : undefined;
    }, Date.now() + 10_000);
    expect(emptied).toEqual([0, 0]);

    const lines = [a, b].flatMap((api) =>
      logEvents(api.run.output(), 'queue.admitted').filter((line) => line.product_id === productId),
    );
    expect(lines.map((line) => line.position).sort((x, y) => Number(x) - Number(y))).toEqual(
      Array.from({ length: TICKETS }, (_, index) => index + 1),
    );
    const output = a.run.output() + b.run.output();
    expect(ticketIds.filter((id) => output.includes(id))).toEqual([]);
  });
});
