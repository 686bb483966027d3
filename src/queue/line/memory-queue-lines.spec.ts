import { cpuUsage } from 'node:process';
import { AdmitRequest } from './queue-lines';
import { MemoryQueueLines } from './memory-queue-lines';

const PRODUCT = 1;

/** A small deterministic generator, so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const admitRequest = (now: number, available: number): AdmitRequest => ({
  now,
  ratePerMinute: 600,
  available,
  stockReadAt: now,
  admissionMs: 300_000,
  abandonMs: 1_000,
  saleStartsAt: null,
});

async function join(lines: MemoryQueueLines, index: number, now: number, mode: 'fifo' | 'pre' = 'fifo') {
  const outcome = await lines.join(
    PRODUCT,
    { id: `t${index}`, productId: PRODUCT, customerId: `c${index}`, entryHash: `h${index}` },
    mode,
    now,
  );
  if (outcome.kind !== 'created') throw new Error(`join ${index}: ${outcome.kind}`);
  return outcome.ticket.id;
}

describe('MemoryQueueLines ahead', () => {
  it('should count exactly the waiting tickets before each one, through draws, admissions and skips', async () => {
    const next = random(24);
    const lines = new MemoryQueueLines();
    const ids: string[] = [];
    let now = 1_000_000;
    // A pre-queue drawn in a shuffled order first, then first come first served.
    for (let i = 0; i < 20; i++) ids.push(await join(lines, i, now, 'pre'));
    const pre = await lines.prequeue(PRODUCT);
    await lines.draw(
      PRODUCT,
      [...pre].sort(() => next() - 0.5),
    );
    for (let step = 0; step < 400; step++) {
      const roll = next();
      if (roll < 0.4) {
        const waitingBefore = (await Promise.all(ids.map((id) => lines.get(PRODUCT, id, now, false)))).filter(
          (found) => found!.ticket.status === 'waiting',
        ).length;
        const index = ids.length;
        ids.push(await join(lines, index, now));
        // The join answers with its place itself: behind every ticket waiting, and again the same.
        const again = await lines.join(
          PRODUCT,
          { id: 'again', productId: PRODUCT, customerId: `c${index}`, entryHash: 'again' },
          'fifo',
          now,
        );
        expect({ step, kind: again.kind, ahead: again.kind === 'existing' ? again.ahead : -1 }).toEqual({
          step,
          kind: 'existing',
          ahead: waitingBefore,
        });
      } else if (roll < 0.7) {
        // Presence for some: the others are skipped as abandoned at their turn.
        for (const id of ids) if (next() < 0.5) await lines.get(PRODUCT, id, now, true);
      } else {
        now += Math.floor(next() * 800);
        await lines.admit(PRODUCT, admitRequest(now, Math.floor(next() * 5)));
      }
      const read = await Promise.all(ids.map((id) => lines.get(PRODUCT, id, now, false)));
      const waiting = read
        .filter((found) => found!.ticket.status === 'waiting')
        .map((found) => found!.ticket);
      for (const found of read) {
        const { ticket, ahead } = found!;
        const expected =
          ticket.status === 'waiting'
            ? waiting.filter((other) => other.position < ticket.position).length
            : 0;
        expect({ step, id: ticket.id, ahead }).toEqual({ step, id: ticket.id, ahead: expected });
      }
    }
    const statuses = new Set(
      (await Promise.all(ids.map((id) => lines.get(PRODUCT, id, now, false)))).map(
        (found) => found!.ticket.status,
      ),
    );
    // The sequence went through every path it is meant to check.
    expect(statuses).toEqual(new Set(['waiting', 'admitted', 'expired']));
  });

  it('should read a ticket at the back of a long line in constant time (CPU time ratio)', async () => {
    const cpuPerRead = async (size: number): Promise<number> => {
      const lines = new MemoryQueueLines();
      let last = '';
      for (let i = 0; i < size; i++) last = await join(lines, i, 0);
      const reads = 5_000;
      const before = cpuUsage();
      for (let i = 0; i < reads; i++) await lines.get(PRODUCT, last, 0, false);
      const used = cpuUsage(before);
      return (used.user + used.system) / reads;
    };
    await cpuPerRead(1_000); // warm-up
    const short = await cpuPerRead(1_000);
    const long = await cpuPerRead(100_000);
    // A scan of the line makes the long line's reads ~100 times the short one's (~400 measured);
    // constant time gives ~1, and up to ~5 on a loaded machine (GC of the 100,000-ticket line,
    // other jobs): the bound sits far from both.
    expect(long / short).toBeLessThan(25);
  });
});

describe('MemoryQueueLines openLines', () => {
  it('should name a line from its first join (pre-queue or in line) until its close', async () => {
    const lines = new MemoryQueueLines();
    await lines.summary(PRODUCT, 0);
    expect(await lines.openLines()).toEqual([]);
    await join(lines, 1, 0, 'pre');
    expect(await lines.openLines()).toEqual([PRODUCT]);
    await lines.close(PRODUCT);
    expect(await lines.openLines()).toEqual([]);
    await join(lines, 2, 0);
    await lines.admit(PRODUCT, admitRequest(0, 10));
    expect(await lines.openLines()).toEqual([PRODUCT]);
  });
});
