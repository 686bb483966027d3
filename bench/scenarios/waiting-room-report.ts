import { formatMicros } from '../lib/cpu';
import type { measureJoins, waitingRoom } from './waiting-room';

type WaitingRoomResult = Omit<Awaited<ReturnType<typeof waitingRoom>>, 'failures'>;
type JoinFigures = Awaited<ReturnType<typeof measureJoins>>['figures'];

/** Issue 24's scale targets: joining, admissions without the database, ticket streams. */
export function reportWaitingRoom(
  w: WaitingRoomResult,
  context: {
    smoke: boolean;
    /** The framework floor's POST, when the run measured it. */
    floorPost: number | null;
    /** The same joins in embedded mode, when the run made them. */
    embeddedJoins: JoinFigures | null;
  },
) {
  const { floorPost } = context;
  const met = (ok: boolean) => (context.smoke ? '' : ok ? ' (target met)' : ' (target MISSED)');
  const join = w.joins.apiCpuMicrosPerJoin;
  const trips = w.admissionRoundTrips;
  const rows: Array<[string, string]> = [
    [
      `Join: ${w.joins.created} of ${w.joins.buyers} buyers joined, joins/s`,
      `${w.joins.perSecond} (p99 ${w.joins.p99} ms)`,
    ],
    ['   API CPU per join', formatMicros(join) + (join === null ? '' : met(join <= 60))],
    [
      '   per join / per GET of the product (same process)',
      `${w.joins.joinToReadRatio ?? 'n/a'}x (GET ${formatMicros(w.joins.baselineRead.apiCpuMicrosPerRequest)})`,
    ],
    ['   per join / floor POST', join === null || !floorPost ? 'n/a' : `${round(join / floorPost)}x`],
    ['   database statements per join', `${w.joins.databaseStatementsPerJoin}`],
    [
      `Admissions: statements/s still (${trips.still.admissions} admitted) vs busy (${trips.busy.admissions})`,
      `${trips.still.statementsPerSecond} vs ${trips.busy.statementsPerSecond}`,
    ],
    [
      '   database statements per admission',
      `${trips.statementsPerAdmission ?? 'n/a'}${trips.statementsPerAdmission === null ? '' : met(trips.statementsPerAdmission < 0.01)}`,
    ],
  ];
  const e = context.embeddedJoins;
  if (e) {
    rows.splice(
      5,
      0,
      [
        `Join, embedded (${e.created} of ${e.buyers}): API CPU per join`,
        formatMicros(e.apiCpuMicrosPerJoin) +
          (e.apiCpuMicrosPerJoin === null ? '' : met(e.apiCpuMicrosPerJoin <= 60)),
      ],
      [
        '   per join / per GET of the product (same process)',
        `${e.joinToReadRatio ?? 'n/a'}x (GET ${formatMicros(e.baselineRead.apiCpuMicrosPerRequest)})`,
      ],
    );
  }
  const s = w.streams;
  if (!s.measured) {
    rows.push(['Ticket streams', `not measured: ${s.why}`]);
  } else {
    rows.push(
      [
        `Ticket streams held (of ${s.wanted}${s.cappedBy ? `, capped by ${s.cappedBy}` : ''})`,
        `${s.streams}${met(s.streams >= s.wanted && s.ended === 0)}`,
      ],
      [
        '   API RSS before / with streams (MB), per stream',
        `${s.rssBeforeMB} / ${s.rssWithStreamsMB} (${s.rssKBPerStream} KB)`,
      ],
      ['   API CPU per stream-second, idle', `${s.idle.apiCpuMicrosPerStreamSecond} µs`],
      [
        `   sale: ${s.sale.admitted} admitted, holds/s (p99 ms)`,
        `${s.sale.holds.perSecond} (${s.sale.holds.p99}), ${s.sale.holds.errors} errors; ${s.sale.eventsDelivered} events`,
      ],
      [
        '   API CPU per stream-second / per event during the sale, net of holds',
        `${s.sale.apiCpuMicrosPerStreamSecond} / ${s.sale.apiCpuMicrosPerEvent} µs`,
      ],
      [
        '   cores the API process got (load average before / after)',
        `${s.sale.apiCores} (${s.sale.loadAverage.before} / ${s.sale.loadAverage.after})`,
      ],
      [
        `   admittedAt -> admitted event at the client p50 / p99 / max (ms, ${s.admissionToEvent.timed} timed)`,
        `${s.admissionToEvent.p50Ms} / ${s.admissionToEvent.p99Ms} / ${s.admissionToEvent.maxMs}${met(s.admissionToEvent.p99Ms < 500)}`,
      ],
    );
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log('\nWaiting room (own API process, statements counted at a proxy)');
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
}

function round(value: number) {
  return Math.round(value * 100) / 100;
}
