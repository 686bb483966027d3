import type { ProductResponseDto } from '../products/dto/product-response.dto';

/** One state of one product, read once per process and shared by every connection watching it. */
export interface StockSnapshot {
  productId: number;
  /** Grows with every change this process saw; a millisecond clock, so comparable across processes. */
  version: number;
  /** `GET /api/products/:id`'s data, serialised once for all connections. */
  json: string;
}

/** Written once, first: tells EventSource how long to wait before reconnecting. */
export function streamPreamble(retryMs: number): string {
  return `retry: ${retryMs}\n\n`;
}

/**
 * A refused stream, whole: the delay, one `busy` event, then the server ends the response.
 * EventSource reconnects by itself after `retryMs`, where any answer but a 200 event stream
 * (a 503 included) would make it give up for good.
 */
export function busyRefusal(retryMs: number): string {
  return `${streamPreamble(retryMs)}event: busy\ndata: {"code":"SERVICE_BUSY"}\n\n`;
}

/** A comment line: ignored by EventSource, keeps proxies and load balancers from closing an idle stream. */
export const HEARTBEAT = ': heartbeat\n\n';

/** How often every open stream gets a HEARTBEAT. */
export const HEARTBEAT_INTERVAL_MS = 15_000;

export function snapshotOf(data: ProductResponseDto, version: number): StockSnapshot {
  return { productId: data.id, version, json: JSON.stringify(data) };
}

/** The event as the wire carries it (JSON has no raw newlines, so one data line). */
export function formatStockEvent(id: number, snapshot: StockSnapshot, event = 'stock'): string {
  return `id: ${id}\nevent: ${event}\ndata: ${snapshot.json}\n\n`;
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
