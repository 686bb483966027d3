import type { FaultWindow } from './nemesis';

export interface ChaosReport {
  seed: number;
  mode: 'single' | 'cluster';
  minutes: number;
  startedAt: string;
  deployment: string;
  timing: Record<string, number>;
  faults: { total: number; byKind: Record<string, number>; failedToInject: number; windows: FaultWindow[] };
  requests: { total: number; byRoute: Record<string, Record<string, number>> };
  checks: {
    run: number;
    failed: number;
    byName: Record<string, number>;
    failures: Array<{ check: string; detail: string }>;
  };
  longestExpiredHoldWaitMs: number;
  longestPendingOrderOverdueMs: number;
  longest503AfterFaultMs: number;
  /** `<status> <code> during <faults going on>` (and `<network error> during ...`) -> count. */
  errorsByFault: Record<string, number>;
  streams: { connections: number; events: number; refused: number };
  /** Starts that ended with the process exiting before it served (the database or Redis was down), retried. */
  bootFailures: Record<string, number>;
  holdsCreated: number;
  ordersCreated: number;
  webhooksAcknowledged: number;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  // Markdown: the header, its rule, the rows (pasted into docs/reliability.md as they are).
  return [line(rows[0]), line(widths.map((width) => '-'.repeat(width))), ...rows.slice(1).map(line)].join(
    '\n',
  );
}

/** The run's figures as Markdown tables (what docs/reliability.md shows). */
export function formatReport(report: ChaosReport): string {
  const statuses = [
    ...new Set(Object.values(report.requests.byRoute).flatMap((counts) => Object.keys(counts))),
  ].sort();
  const routeRows = Object.entries(report.requests.byRoute)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([route, counts]) => [route, ...statuses.map((status) => String(counts[status] ?? ''))]);
  const lines = [
    `Chaos run: seed ${report.seed}, ${report.mode}, ${report.minutes} min, ${report.startedAt}`,
    `Deployment: ${report.deployment}`,
    '',
    table([
      ['Fault', 'Injected'],
      ...Object.entries(report.faults.byKind)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([kind, n]) => [kind, String(n)]),
      ['total', String(report.faults.total)],
    ]),
    '',
    table([['Route', ...statuses], ...routeRows]),
    '',
    table([
      ['Figure', 'Value'],
      ['invariant checks run', String(report.checks.run)],
      ['invariant checks failed', String(report.checks.failed)],
      [
        'longest wait of an expired hold for its release',
        `${(report.longestExpiredHoldWaitMs / 1000).toFixed(1)} s`,
      ],
      [
        'longest an unpaid order stayed pending past its timeout',
        `${(report.longestPendingOrderOverdueMs / 1000).toFixed(1)} s`,
      ],
      ['longest 503 after a fault ended', `${(report.longest503AfterFaultMs / 1000).toFixed(1)} s`],
      [
        'holds / orders created, webhooks acknowledged',
        `${report.holdsCreated} / ${report.ordersCreated}, ${report.webhooksAcknowledged}`,
      ],
      ['stream connections / events', `${report.streams.connections} / ${report.streams.events}`],
      ['seed', String(report.seed)],
    ]),
  ];
  if (report.checks.failures.length > 0) {
    lines.push(
      '',
      'FAILED:',
      ...report.checks.failures.slice(0, 40).map((failure) => `- ${failure.check}: ${failure.detail}`),
    );
  }
  return lines.join('\n');
}
