import type { ProductResponseDto } from '../products/dto/product-response.dto';

/** One state of one product, read once per process and shared by every connection watching it. */
export interface StockSnapshot {
  productId: number;
  /** Grows with every change this process saw; a millisecond clock, so comparable across processes. */
  version: number;
  /** `GET /api/products/:id`'s data, serialised once for all connections. */
  json: string;
}

/** Retry delay the browser's EventSource waits before reconnecting. */
export const RETRY_MS = 2_000;

/** Written once, first: tells EventSource how long to wait before reconnecting. */
export const STREAM_PREAMBLE = `retry: ${RETRY_MS}\n\n`;

/** A comment line: ignored by EventSource, keeps proxies and load balancers from closing an idle stream. */
export const HEARTBEAT = ': heartbeat\n\n';

export function snapshotOf(data: ProductResponseDto, version: number): StockSnapshot {
  return { productId: data.id, version, json: JSON.stringify(data) };
}

/** The event as the wire carries it (JSON has no raw newlines, so one data line). */
export function formatStockEvent(id: number, snapshot: StockSnapshot): string {
  return `id: ${id}\nevent: stock\ndata: ${snapshot.json}\n\n`;
}

/** The next version after `previous`: the clock when it moved on, else one more. */
export function nextVersion(previous: number, nowMs: number): number {
  return Math.max(previous + 1, nowMs);
}

const LAST_EVENT_ID = /^[0-9]{1,15}$/;

/** The id a reconnecting EventSource sends back (Last-Event-ID), or 0 when absent or not one of ours. */
export function parseLastEventId(header: string | string[] | undefined): number {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && LAST_EVENT_ID.test(value) ? Number(value) : 0;
}
