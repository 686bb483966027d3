import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';

export const STREAM_METRICS = {
  connections: 'flash_sale_stream_connections',
  events: 'flash_sale_stream_events_sent_total',
  reads: 'flash_sale_stream_product_reads_total',
  resyncs: 'flash_sale_stream_resyncs_total',
  refusals: 'flash_sale_stream_refusals_total',
} as const;

export const STREAM_METRIC_PROVIDERS = [
  makeGaugeProvider({ name: STREAM_METRICS.connections, help: 'Open live stock streams in this process' }),
  makeCounterProvider({ name: STREAM_METRICS.events, help: 'Stock events written to live stock streams' }),
  makeCounterProvider({
    name: STREAM_METRICS.reads,
    help: "Product reads made for live stock streams (at most one per product and change interval for all of a process's streams)",
  }),
  makeCounterProvider({
    name: STREAM_METRICS.resyncs,
    help: 'Times every watched product was read again because change notifications may have been lost (Redis returned)',
  }),
  makeCounterProvider({
    name: STREAM_METRICS.refusals,
    help: 'Streams refused, by reason: server_limit, client_limit, shutdown, unavailable (database away)',
    labelNames: ['reason'],
  }),
];
