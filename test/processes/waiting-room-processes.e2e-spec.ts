import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { reloadProduct } from '../factories/product.factory';
import { ChildRun } from '../utils/embedded';
import { pollUntil, sleep } from '../utils/poll';
import { deleteRedisKeys } from '../utils/redis-server';
import { ApiProcess, cleanUp, logEvents, openDatabase, scaleOutEnv, startApi } from '../utils/scale-out';
import { uniqueDatabaseName } from '../utils/test-env';

const ADMIN_TOKEN = 'admin-token-for-processes-0123456789abcdef';
const RATE = 120;
const INTERVAL_MS = 60_000 / RATE;
const ADMISSION_SECONDS = 60;
const ABANDON_SECONDS = 5;
const PREQUEUE = 240;
const LATE = 40;
/** How long the line is watched after the start: about 30 admissions at 120 a minute. */
const WATCH_MS = 16_000;
/** Drawn positions whose buyers stop reading their ticket once the draw is out: their turn comes past the abandon time. */
const ABSENT = [18, 21, 24];

const sha256hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmachex = (key: string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest('hex');
const nonce = () => randomBytes(16).toString('base64url');

interface Ticket {
  ticket_id: string;
  customer_id: string | null;
  entry_hash: string;
  status: 'prequeue' | 'waiting' | 'admitted' | 'sold_out' | 'expired';
  position: number | null;
  admission_token: string | null;
  admission_expires_at: string | null;
}

interface Draw {
  seed: string;
  commitment: string;
  tickets: string[];
}

interface Answer {
  status: number;
  body: { data?: unknown; code?: string };
}

async function call(
  api: ApiProcess,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${api.base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Answer['body']) : {} };
}

/** The answer's data when its status is the expected one; otherwise the whole answer in the failure. */
async function expectData<T>(answer: Promise<Answer>, status: number): Promise<T> {
  const { status: got, body } = await answer;
  if (got !== status) throw new Error(`expected ${status}, got ${got}: ${JSON.stringify(body)}`);
  return body.data as T;
}

/** When an admitted ticket was admitted (its slot), from what every reader sees. */
const admittedAt = (ticket: Ticket) => Date.parse(ticket.admission_expires_at!) - ADMISSION_SECONDS * 1000;

/**
 * The waiting room with two API OS processes on one MariaDB database and one Redis namespace,
 * both running the admission loop: one line for the deployment. The draw is the same through
 * either process and anyone recomputes it; admission follows the line across both, at the
 * rate together, each ticket once, never more unused admissions than the stock; a token one
 * process signed is good on the other.
 */
describe('Waiting room across two API processes (e2e, real processes)', () => {
  const databaseName = uniqueDatabaseName();
  const runs: ChildRun[] = [];
  const apis: ApiProcess[] = [];
  let db: DataSource;
  const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

  beforeAll(async () => {
    const env = scaleOutEnv(databaseName, {
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      QUEUE_ABANDON_SECONDS: String(ABANDON_SECONDS),
      HOLD_SWEEP_INTERVAL_SECONDS: '3600',
    });
    // No QUEUE_TOKEN_SECRET: each process loads the key the first one's migration stored.
    // Started together: the startup lock lets one of them create the schema.
    apis.push(...(await Promise.all([startApi(env), startApi({ ...env, WORKER_ENABLED: 'false' })])));
    runs.push(...apis.map((api) => api.run));
    db = await openDatabase(databaseName);
  }, 180_000);

  afterAll(async () => {
    // SIGCONT first: a process the test paused would never hear SIGTERM.
    for (const api of apis) api.run.child.kill('SIGCONT');
    await cleanUp(databaseName, runs, db);
    // The line's keys are hash-tagged: {<prefix>:<database id>:queue:<product>}:...
    await deleteRedisKeys(Number(process.env.REDIS_PORT || 6379), `{${databaseName}:*`);
  });

  const createProduct = (api: ApiProcess, body: Record<string, unknown>) =>
    expectData<{ id: number; queue_commitment: string | null }>(
      call(
        api,
        'POST',
        '/admin/products',
        {
          name: 'Drop',
          price: '10.00',
          max_per_customer: 1,
          queue_enabled: true,
          queue_admission_seconds: ADMISSION_SECONDS,
          ...body,
        },
        admin,
      ),
      201,
    );
  const join = (api: ApiProcess, productId: number, customerId: string) =>
    expectData<Ticket>(
      call(api, 'POST', `/products/${productId}/queue`, { customer_id: customerId, nonce: nonce() }),
      201,
    );
  const read = (api: ApiProcess, productId: number, ticketId: string) =>
    expectData<Ticket>(call(api, 'GET', `/products/${productId}/queue/${ticketId}`), 200);
  const admittedLogs = (productId: number) =>
    apis.map((api) =>
      logEvents(api.run.output(), 'queue.admitted')
        .filter((event) => event.product_id === productId)
        .map((event) => event.position as number),
    );

  it('should draw once, admit in line order at the rate, each ticket once, whichever process decides', async () => {
    const [a, b] = apis;
    const product = await createProduct(a, {
      total_stock: 1000,
      queue_admit_per_minute: RATE,
      sale_starts_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(product.queue_commitment).toMatch(/^[0-9a-f]{64}$/);

    // The pre-queue, joined through both processes.
    const early: Ticket[] = [];
    for (let from = 0; from < PREQUEUE; from += 40) {
      early.push(
        ...(await Promise.all(
          Array.from({ length: 40 }, (_, i) => join(apis[(from + i) % 2], product.id, `pre-${from + i}`)),
        )),
      );
    }
    expect(early.every((ticket) => ticket.status === 'prequeue' && ticket.position === null)).toBe(true);

    // The start moves close (on B, the draw happens at the start in force); until then every
    // buyer keeps reading their ticket, through either process.
    const moved = await expectData<{ sale_starts_at: string }>(
      call(
        b,
        'PATCH',
        `/admin/products/${product.id}`,
        { sale_starts_at: new Date(Date.now() + 3_000).toISOString() },
        admin,
      ),
      200,
    );
    const startsAt = Date.parse(moved.sale_starts_at);
    expect((await call(a, 'GET', `/products/${product.id}/queue/draw`)).body.code).toBe('DRAW_NOT_READY');
    for (let sweep = 0; Date.now() < startsAt - 500; sweep++) {
      for (let from = 0; from < early.length && Date.now() < startsAt - 500; from += 20) {
        const chunk = early.slice(from, from + 20);
        const statuses = (
          await Promise.all(
            chunk.map((ticket, i) => read(apis[(from + i + sweep) % 2], product.id, ticket.ticket_id)),
          )
        ).map((ticket) => ticket.status);
        // Still before the start when every answer is in: nobody is placed yet.
        if (Date.now() < startsAt) expect(statuses).toEqual(chunk.map(() => 'prequeue'));
      }
    }
    await sleep(startsAt - Date.now());

    // Both processes asked at once, right at the start: one draw, the same answer.
    const [drawA, drawB] = await Promise.all(
      [a, b].map((api) => expectData<Draw>(call(api, 'GET', `/products/${product.id}/queue/draw`), 200)),
    );
    expect(drawB).toEqual(drawA);
    expect(sha256hex(drawA.seed)).toBe(drawA.commitment);
    expect(drawA.commitment).toBe(product.queue_commitment);
    const recomputed = early
      .map((ticket) => ticket.entry_hash)
      .sort((x, y) => (hmachex(drawA.seed, x) < hmachex(drawA.seed, y) ? -1 : 1));
    expect(drawA.tickets).toEqual(recomputed);
    const summaries = await Promise.all(
      [a, b].map((api) =>
        expectData<{ seed: string }>(call(api, 'GET', `/products/${product.id}/queue`), 200),
      ),
    );
    expect(summaries.map((summary) => summary.seed)).toEqual([drawA.seed, drawA.seed]);

    // Late joins, alternately through both processes: first come first served after the drawn.
    const late: Ticket[] = [];
    for (let i = 0; i < LATE; i++) late.push(await join(apis[i % 2], product.id, `late-${i}`));
    expect(late.map((ticket) => ticket.position)).toEqual(late.map((_, i) => PREQUEUE + 1 + i));

    // The line by position (1-based): drawn order, then the late joins.
    const byHash = new Map(early.map((ticket) => [ticket.entry_hash, ticket]));
    const line = [...drawA.tickets.map((hash) => byHash.get(hash)!), ...late];
    const absent = new Set(ABSENT.map((position) => line[position - 1].ticket_id));

    // Watch: sweeps from the back of the front of the line to the head, one ticket at a time,
    // through both processes in turn. Read in descending position, a ticket seen admitted
    // means every ticket before it was admitted (or skipped) before that read: any ticket
    // read afterwards in the sweep still waiting is an admission out of order.
    const seen = new Map<number, { ticket: Ticket; at: number }>();
    const violations: string[] = [];
    let paused: ApiProcess | undefined;
    const pauses = [
      { api: a, from: startsAt + 5_000, to: startsAt + 7_500 },
      { api: b, from: startsAt + 10_000, to: startsAt + 12_500 },
    ];
    for (let sweep = 0; Date.now() < startsAt + WATCH_MS; sweep++) {
      // Each process decides alone for a while (the other stopped by SIGSTOP, its pass in
      // flight then runs late, with an old clock and an old stock figure).
      const pause = pauses.find((p) => Date.now() >= p.from && Date.now() < p.to);
      if (pause?.api !== paused) {
        paused?.run.child.kill('SIGCONT');
        pause?.api.run.child.kill('SIGSTOP');
        paused = pause?.api;
      }
      const reachable = apis.filter((api) => api !== paused);
      const frontier = Math.max(
        0,
        ...[...seen.values()].filter((s) => s.ticket.status === 'admitted').map((s) => s.ticket.position!),
      );
      let passed: number | undefined;
      for (let position = Math.min(line.length, frontier + 30); position >= 1; position--) {
        const { ticket_id } = line[position - 1];
        if (absent.has(ticket_id)) continue;
        const ticket = await read(reachable[(position + sweep) % reachable.length], product.id, ticket_id);
        const at = Date.now();
        if (ticket.position !== position) violations.push(`position ${position} read as ${ticket.position}`);
        if (ticket.status === 'admitted') {
          passed ??= position;
          const before = seen.get(position);
          if (before?.ticket.status === 'admitted' && admittedAt(before.ticket) !== admittedAt(ticket)) {
            violations.push(`position ${position} admitted twice`);
          }
          if (!before || before.ticket.status !== 'admitted') seen.set(position, { ticket, at });
        } else if (ticket.status === 'waiting') {
          if (passed !== undefined) {
            violations.push(`sweep ${sweep}: ${position} waiting after ${passed} admitted`);
          }
        } else {
          violations.push(`position ${position} (present) is ${ticket.status}`);
        }
        // Never over the rate, from outside: by this read, at most one admission per slot since the start.
        const admittedSoFar = [...seen.values()].length;
        const slots = Math.floor((at - startsAt) / INTERVAL_MS) + 1;
        if (admittedSoFar > slots + 1) {
          violations.push(`${admittedSoFar} admitted ${at - startsAt} ms after the start`);
        }
      }
    }
    paused?.run.child.kill('SIGCONT');
    expect(violations).toEqual([]);

    // The whole line once more, the absent buyers included (their turn is long past).
    const final: Ticket[] = [];
    for (let position = line.length; position >= 1; position--) {
      final[position - 1] = await read(apis[position % 2], product.id, line[position - 1].ticket_id);
    }
    const admitted = final.filter((ticket) => ticket.status === 'admitted').map((ticket) => ticket.position!);
    const expired = final.filter((ticket) => ticket.status === 'expired').map((ticket) => ticket.position!);
    expect(expired).toEqual(ABSENT);
    const head = Math.max(...admitted);
    // A prefix of the line, but for the abandoned tickets skipped at their turn.
    expect(admitted).toEqual(
      Array.from({ length: head }, (_, i) => i + 1).filter((position) => !ABSENT.includes(position)),
    );
    expect(head).toBeGreaterThan(Math.max(...ABSENT));

    // Spread evenly on the slots, one every 60000 / rate ms, and no 60 s window over the rate.
    const times = final.filter((ticket) => ticket.status === 'admitted').map(admittedAt);
    expect(times[0]).toBeGreaterThanOrEqual(startsAt);
    const gaps = times.slice(1).map((time, i) => time - times[i]);
    expect(gaps.filter((gap) => gap < INTERVAL_MS - 2)).toEqual([]);
    const busiest = Math.max(
      ...times.map((from) => times.filter((t) => t >= from && t < from + 60_000).length),
    );
    expect(busiest).toBeLessThanOrEqual(RATE);

    // Each admission decided once, by one process or the other, and both took part.
    const logged = await pollUntil(() => {
      const perProcess = admittedLogs(product.id);
      return perProcess.flat().length >= admitted.length ? perProcess : undefined;
    }, Date.now() + 5_000);
    expect(logged).toBeDefined();
    expect(logged!.flat().sort((x, y) => x - y)).toEqual(admitted);
    expect(logged!.map((positions) => positions.length > 0)).toEqual([true, true]);
  });

  it('should keep unused admissions within the stock, and take a token from A on B', async () => {
    const [a, b] = apis;
    const product = await createProduct(b, { total_stock: 4, queue_admit_per_minute: 6_000 });
    const tickets: Ticket[] = [];
    for (let i = 0; i < 10; i++) tickets.push(await join(apis[i % 2], product.id, `cap-${i}`));
    expect(tickets.map((ticket) => ticket.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    const used = new Set<number>();
    const violations: string[] = [];
    /** Reads every ticket through both processes for `ms`; checks the cap at each step. */
    const watch = async (ms: number) => {
      const until = Date.now() + ms;
      let statuses: string[];
      let sweep = 0;
      do {
        statuses = [];
        for (const [index, ticket] of tickets.entries()) {
          statuses.push((await read(apis[(index + sweep) % 2], product.id, ticket.ticket_id)).status);
        }
        const available = (await reloadProduct(db, product.id)).availableStock;
        const unused = statuses.filter(
          (status, index) => status === 'admitted' && !used.has(index + 1),
        ).length;
        if (unused > available) violations.push(`${unused} unused admissions with ${available} available`);
        sweep++;
      } while (Date.now() < until);
      return statuses;
    };

    // 100 slots a second, 4 units: 4 admitted and the line stops there.
    expect(
      await pollUntil(
        async () =>
          (await watch(0)).filter((status) => status === 'admitted').length === 4 ? true : undefined,
        Date.now() + 10_000,
      ),
    ).toBe(true);
    expect(await watch(1_500)).toEqual([...Array(4).fill('admitted'), ...Array(6).fill('waiting')]);

    // Ticket 1 read (and its token signed) on A, the hold on B; ticket 2 the other way round.
    for (const [index, [reader, holder]] of [
      [a, b],
      [b, a],
    ].entries()) {
      const ticket = await read(reader, product.id, tickets[index].ticket_id);
      const hold = await expectData<{ customer_id: string; quantity: number }>(
        call(
          holder,
          'POST',
          '/holds',
          { product_id: product.id, quantity: 1 },
          { 'Admission-Token': ticket.admission_token! },
        ),
        201,
      );
      expect(hold).toMatchObject({ customer_id: `cap-${index}`, quantity: 1 });
      used.add(index + 1);
    }
    // Two units held, two unused admissions for the two units left: nobody else yet.
    expect(await watch(1_500)).toEqual([...Array(4).fill('admitted'), ...Array(6).fill('waiting')]);

    // Two units come back (a restock through A): the next two are admitted, and no more.
    await expectData(call(a, 'POST', `/admin/products/${product.id}/stock`, { delta: 2 }, admin), 200);
    expect(
      await pollUntil(
        async () =>
          (await watch(0)).filter((status) => status === 'admitted').length === 6 ? true : undefined,
        Date.now() + 10_000,
      ),
    ).toBe(true);
    expect(await watch(1_500)).toEqual([...Array(6).fill('admitted'), ...Array(4).fill('waiting')]);
    expect(violations).toEqual([]);
  });
});
