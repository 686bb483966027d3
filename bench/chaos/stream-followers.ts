import { SseClient } from '../../test/utils/sse-client';
import type { ManagedProcess } from './managed-process';

const RECONNECT_DELAY_MS = 500;

/**
 * Live-stock streams kept open through the run, as a storefront's EventSource keeps them:
 * when a process dies or ends the stream, it reconnects (to the next live API) after a pause.
 * Remembers the last stock each product's events showed.
 */
export class StreamFollowers {
  readonly lastStock = new Map<number, number>();
  events = 0;
  connections = 0;
  refusals = 0;
  private running = true;
  private readonly clients = new Set<SseClient>();
  private readonly loops: Array<Promise<void>> = [];
  private nextApi = 0;

  constructor(
    private readonly apis: ManagedProcess[],
    productIds: number[],
  ) {
    // One stream per product, and one following them all (the sale board's kind).
    for (const id of productIds) this.loops.push(this.follow(`/products/${id}/stream`));
    this.loops.push(this.follow(`/products/stream?ids=${productIds.join(',')}`));
  }

  private async follow(path: string): Promise<void> {
    while (this.running) {
      const api = this.apis[this.nextApi++ % this.apis.length];
      if (!api.up) {
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
        continue;
      }
      const client = new SseClient(`${api.base}${path}`);
      this.clients.add(client);
      this.connections++;
      let seen = 0;
      const onEvents = () => {
        for (; seen < client.events.length; seen++) {
          const { event, data } = client.events[seen];
          // A refused stream (busy: a limit, or the database away) is a 200 with one `busy` event.
          if (event === 'busy') this.refusals++;
          if (event !== 'stock') continue;
          this.lastStock.set(data.id, data.available_stock);
          this.events++;
        }
      };
      const reader = setInterval(onEvents, 100);
      await client.opened.catch(() => undefined);
      if (client.status !== 200) this.refusals++;
      await client.closed;
      clearInterval(reader);
      onEvents();
      this.clients.delete(client);
      client.events.length = 0;
      if (this.running) await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const client of this.clients) client.close();
    await Promise.all(this.loops);
  }
}
