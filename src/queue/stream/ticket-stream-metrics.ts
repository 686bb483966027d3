import { makeGaugeProvider } from '@willsoto/nestjs-prometheus';

export const TICKET_STREAM_METRICS = {
  connections: 'flash_sale_queue_stream_connections',
} as const;

export const TICKET_STREAM_METRIC_PROVIDERS = [
  makeGaugeProvider({
    name: TICKET_STREAM_METRICS.connections,
    help: 'Open waiting-room ticket streams in this process (they count toward the stream limits with the stock streams)',
  }),
];
