import type { DataSource } from 'typeorm';
import { reloadProduct } from '../factories/product.factory';
import { ChildRun } from '../utils/embedded';
import { pollUntil, sleep } from '../utils/poll';
import { deleteRedisKeys } from '../utils/redis-server';
import { ApiProcess, cleanUp, logEvents, openDatabase, scaleOutEnv, startApi } from '../utils/scale-out';
import { SseClient } from '../utils/sse-client';
import { uniqueDatabaseName } from '../utils/test-env';
import { call, Draw, expectData, nonce, recomputeDraw, sha256hex, Ticket } from '../utils/waiting-room';

const ADMIN_TOKEN = 'admin-token-for-processes-0123456789abcdef';
const RATE = 120;
const INTERVAL_MS = 60_000 / RATE;
const ADMISSION_SECONDS = 60;
const ABANDON_SECONDS = 8;
const PREQUEUE = 240;
const LATE = 40;
/** The longest the line is watched after the start (it takes about 20 s at 120 a minute). */
const WATCH_MS = 35_000;
/**
 * Drawn positions whose buyers stop reading their ticket once the draw is out: their turn
 * comes 14 s or more after the start, well past the abandon time.
 */
const ABSENT = [30, 33, 36];
/** The front of the line the buyers keep reading once the draw is out (the rest's turn never comes here). */
const FRONT = 70;
const PAUSE_MS = 2_500;

/** The ticket as the last `queue` event of its stream showed it. */
const lastTicket = (client: SseClient) =>
  client.events.filter((event) => event.event === 'queue').at(-1)?.data as unknown as Ticket | undefined;

/** When an admitted ticket was admitted (its slot), from what every reader sees. */
const admittedAt = (ticket: Ticket) => Date.parse(ticket.admission_expires_at!) - ADMISSION_SECONDS * 1000;

/**
 * The waiting room with two API OS processes on one MariaDB database and one Redis namespace,
 * both running the admission loop: one line for the deployment. The draw is the same through
 * either process and anyone recomputes it; admission follows the line across both, at the
 * rate together, each ticket once, never more unused admissions than the stock; a token one
 * process signed is good on the other; a ticket stream on B shows the admissions either decided.
 */
describe('Waiting room across two API processes (e2e, real processes)', () => {
  const databaseName = uniqueDatabaseName();
  const runs: ChildRun[] = [];
  const clients: SseClient[] = [];
  const apis: ApiProcess[] = [];
  let db: DataSource;
  const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

  beforeAll(async () => {
    const env = scaleOutEnv(databaseName, {
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      QUEUE_ABANDON_SECONDS: String(ABANDON_SECONDS),
      HOLD_SWEEP_INTERVAL_SECONDS: '3600',
      // Every test client comes from 127.0.0.1: one ticket stream per buyer at the front.
      STREAM_MAX_PER_CLIENT: '1000',
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
    clients.forEach((client) => client.close());
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
  /** A process the test has not paused. */
  let paused: ApiProcess | undefined;
  const reachable = () => apis.filter((api) => api !== paused);
  /** Reads tickets ten at a time, each through the process after the one before. */
  const readEach = async <T>(tickets: Ticket[], pick: (ticket: Ticket) => T): Promise<T[]> => {
    const out: T[] = [];
    for (let from = 0; from < tickets.length; from += 10) {
      const chunk = tickets.slice(from, from + 10);
      const reads = await Promise.all(
        chunk.map((ticket, i) => {
          const api = reachable()[(from + i) % reachable().length];
          return read(api, ticket.product_id, ticket.ticket_id);
        }),
      );
      out.push(...reads.map(pick));
    }
    return out;
  };
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

    // The pre-queue, joined through both processes; nobody is placed before the start.
    const early: Ticket[] = [];
    for (let from = 0; from < PREQUEUE; from += 40) {
      early.push(
        ...(await Promise.all(
          Array.from({ length: 40 }, (_, i) => join(apis[(from + i) % 2], product.id, `pre-${from + i}`)),
        )),
      );
    }
    expect(early.every((ticket) => ticket.status === 'prequeue' && ticket.position === null)).toBe(true);
    expect((await readEach(early, (ticket) => ticket)).map((ticket) => ticket.status)).toEqual(
      early.map(() => 'prequeue'),
    );

    // Buyers keep reading their tickets (presence), through whichever process answers; those
    // at ABSENT stop once the draw is out.
    let present = early;
    let watching = true;
    const heartbeat = (async () => {
      while (watching) {
        await readEach(present, (ticket) => ticket);
        await sleep(100);
      }
    })();

    // The start moves close (through B: the draw happens at the start in force).
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
    // Each process decides alone for a while, the other stopped by SIGSTOP (its pass in flight
    // then runs late, on an old stock figure).
    const pausing = (async () => {
      for (const [api, from] of [
        [a, startsAt + 5_000],
        [b, startsAt + 10_000],
      ] as const) {
        await sleep(from - Date.now());
        api.run.child.kill('SIGSTOP');
        paused = api;
        await sleep(PAUSE_MS);
        api.run.child.kill('SIGCONT');
        paused = undefined;
      }
    })();
    await sleep(startsAt - Date.now());

    // Both processes asked at once, right at the start: one draw, the same answer.
    const [drawA, drawB] = await Promise.all(
      [a, b].map((api) => expectData<Draw>(call(api, 'GET', `/products/${product.id}/queue/draw`), 200)),
    );
    expect(drawB).toEqual(drawA);
    expect(sha256hex(drawA.seed)).toBe(drawA.commitment);
    expect(drawA.commitment).toBe(product.queue_commitment);
    expect(drawA.tickets).toEqual(
      recomputeDraw(
        drawA.seed,
        early.map((ticket) => ticket.entry_hash),
      ),
    );
    // The line by position (1-based): the drawn order, then the late joins.
    const byHash = new Map(early.map((ticket) => [ticket.entry_hash, ticket]));
    const line = drawA.tickets.map((hash) => byHash.get(hash)!);
    const absent = new Set(ABSENT.map((position) => line[position - 1].ticket_id));
    present = line.slice(0, FRONT).filter((ticket) => !absent.has(ticket.ticket_id));
    // Every buyer at the front also watches their ticket's stream on B, whoever decides.
    const streams = new Map(
      present.map((ticket) => {
        const client = new SseClient(`${b.base}/products/${product.id}/queue/${ticket.ticket_id}/stream`);
        clients.push(client);
        return [ticket.position ?? line.indexOf(ticket) + 1, client] as const;
      }),
    );
    const summaries = await Promise.all(
      [a, b].map((api) =>
        expectData<{ seed: string }>(call(api, 'GET', `/products/${product.id}/queue`), 200),
      ),
    );
    expect(summaries.map((summary) => summary.seed)).toEqual([drawA.seed, drawA.seed]);

    // Late joins, alternately through both processes: first come first served after the drawn.
    for (let i = 0; i < LATE; i++) {
      line.push(await join(reachable()[i % reachable().length], product.id, `late-${i}`));
    }
    expect(line.slice(PREQUEUE).map((ticket) => ticket.position)).toEqual(
      Array.from({ length: LATE }, (_, i) => PREQUEUE + 1 + i),
    );

    // Watch: sweeps from a little behind the last admitted ticket down to the head, one read
    // at a time through both processes in turn. Read in descending position, a ticket seen
    // admitted means every ticket before it was admitted (or skipped) before that read: any
    // ticket read afterwards in the sweep still waiting was passed over.
    const seen = new Map<number, Ticket>();
    const violations: string[] = [];
    const frontier = () => Math.max(0, ...seen.keys());
    const sweep = async (round: number, from: number, to: number, withAbsent = false) => {
      let passed: number | undefined;
      const statuses: Ticket[] = [];
      for (let position = from; position >= to; position--) {
        const ticket = line[position - 1];
        // Reading a ticket is presence: the absent are left alone until the end.
        if (absent.has(ticket.ticket_id) && !withAbsent) continue;
        const api = reachable()[(position + round) % reachable().length];
        const answer = await read(api, product.id, ticket.ticket_id);
        const at = Date.now();
        statuses[position - 1] = answer;
        if (answer.position !== position) {
          violations.push(`position ${position} read as ${answer.position}`);
        }
        if (answer.status === 'admitted') {
          passed ??= position;
          const before = seen.get(position);
          if (before && admittedAt(before) !== admittedAt(answer)) {
            violations.push(`${position} admitted twice`);
          }
          seen.set(position, answer);
        } else if (answer.status === 'waiting') {
          if (passed !== undefined) {
            violations.push(`round ${round}: ${position} waiting after ${passed} admitted`);
          }
        } else if (answer.status !== 'expired' || !absent.has(ticket.ticket_id)) {
          violations.push(`position ${position} (present) is ${answer.status}`);
        }
        // Never over the rate, seen from outside: by this answer, one admission per slot since the start.
        const slots = Math.floor((at - startsAt) / INTERVAL_MS) + 1;
        if (seen.size > slots + 1) {
          violations.push(`${seen.size} admitted ${at - startsAt} ms after the start`);
        }
      }
      return statuses;
    };
    const lastAbsent = Math.max(...ABSENT);
    for (let round = 0; frontier() < lastAbsent + 4 && Date.now() < startsAt + WATCH_MS; round++) {
      await sweep(round, Math.min(line.length, frontier() + 20), 1);
    }
    await pausing;
    watching = false;
    await heartbeat;
    expect(violations).toEqual([]);

    // The front of the line once more, the absent buyers included (their turn is long past),
    // and the rest of it, far behind, still waiting.
    const lastRead = frontier() + 20;
    const final = await sweep(-1, lastRead, 1, true);
    expect(violations).toEqual([]);
    const behind = await readEach(line.slice(lastRead), (ticket) => ticket.status);
    expect(behind).toEqual(line.slice(lastRead).map(() => 'waiting'));
    const admitted = final.filter((ticket) => ticket.status === 'admitted').map((ticket) => ticket.position!);
    const expired = final.filter((ticket) => ticket.status === 'expired').map((ticket) => ticket.position!);
    expect(expired).toEqual(ABSENT);
    const head = Math.max(...admitted);
    // A prefix of the line, but for the abandoned tickets skipped at their turn.
    expect(admitted).toEqual(
      Array.from({ length: head }, (_, i) => i + 1).filter((position) => !ABSENT.includes(position)),
    );
    expect(head).toBeGreaterThan(lastAbsent);

    // Spread evenly on the slots, one every 60000 / rate ms, and no 60 s window over the rate.
    const times = final.filter((ticket) => ticket.status === 'admitted').map(admittedAt);
    expect(times).toHaveLength(admitted.length);
    expect(times[0]).toBeGreaterThanOrEqual(startsAt);
    const gaps = times.slice(1).map((time, i) => time - times[i]);
    expect(gaps.filter((gap) => gap < INTERVAL_MS - 2)).toEqual([]);
    const busiest = Math.max(
      ...times.map((from) => times.filter((t) => t >= from && t < from + 60_000).length),
    );
    expect(busiest).toBeLessThanOrEqual(RATE);

    // Each admission decided once, by one process or the other, and both took part (the line
    // goes on meanwhile: the logs may already name a few more, in order).
    const logged = await pollUntil(() => {
      const perProcess = admittedLogs(product.id);
      return admitted.every((position) => perProcess.flat().includes(position)) ? perProcess : undefined;
    }, Date.now() + 5_000);
    expect(logged).toBeDefined();
    const positions = logged!.flat().sort((x, y) => x - y);
    expect(positions).toEqual(
      Array.from({ length: Math.max(...positions) }, (_, i) => i + 1).filter((p) => !ABSENT.includes(p)),
    );
    expect(logged!.map((decided) => decided.length > 0)).toEqual([true, true]);

    // The streams on B got each admission, the ones A decided as well as B's own, as read.
    const streamed = final.filter((ticket) => ticket.status === 'admitted');
    const missed = await Promise.all(
      streamed.map(async (ticket) => {
        const client = streams.get(ticket.position!)!;
        const got = await client
          .waitFor((c) => lastTicket(c)?.status === 'admitted', 5_000, `position ${ticket.position} streamed`)
          .then(() => true)
          .catch(() => false);
        return got
          ? undefined
          : { position: ticket.position, status: client.status, body: client.body, events: client.events };
      }),
    );
    expect(missed.filter((miss) => miss !== undefined)).toEqual([]);
    for (const ticket of streamed) {
      expect(lastTicket(streams.get(ticket.position!)!)).toEqual({ ...ticket, customer_id: null });
    }
    const decidedBy = streamed.map((ticket) => (logged![0].includes(ticket.position!) ? 'A' : 'B'));
    expect(new Set(decidedBy)).toEqual(new Set(['A', 'B']));
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
