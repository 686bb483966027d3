/**
 * The value of one series in Prometheus' text exposition (GET /metrics), matched on its exact
 * label set; undefined when the series is absent.
 */
export function seriesValue(
  text: string,
  name: string,
  labels: Record<string, string | number> = {},
): number | undefined {
  const wanted = JSON.stringify(
    Object.entries(labels)
      .map(([key, value]) => `${key}="${value}"`)
      .sort(),
  );
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const carried = (match[2] ?? '').split(',').filter(Boolean).sort();
    if (JSON.stringify(carried) === wanted) return Number(match[3]);
  }
  return undefined;
}
