import type { FactoryProvider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../config/config.types';

/** Why a stream was not opened; the label of flash_sale_stream_refusals_total. */
export type StreamRefusal = 'server_limit' | 'client_limit' | 'shutdown' | 'unavailable';

/**
 * The stream slots of this process: STREAM_MAX_CONNECTIONS in all, and STREAM_MAX_PER_CLIENT
 * for any one client address, so that one client (a script, a tab reopened in a loop) cannot
 * take the slots every other buyer needs.
 */
export class StreamSlots {
  private taken = 0;
  private readonly byClient = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerClient: number,
  ) {}

  /** Takes a slot for `client`, or says which limit refuses it (nothing taken then). */
  take(client: string): StreamRefusal | undefined {
    if (this.taken >= this.maxTotal) return 'server_limit';
    const mine = this.byClient.get(client) ?? 0;
    if (mine >= this.maxPerClient) return 'client_limit';
    this.taken++;
    this.byClient.set(client, mine + 1);
    return undefined;
  }

  /** Gives back a slot `take` gave `client`. */
  release(client: string): void {
    const mine = this.byClient.get(client);
    if (mine === undefined) return;
    this.taken--;
    // Forgotten at zero: the map holds only the clients with a stream open.
    if (mine <= 1) this.byClient.delete(client);
    else this.byClient.set(client, mine - 1);
  }

  get size(): number {
    return this.taken;
  }

  /** Client addresses with at least one stream open. */
  get clients(): number {
    return this.byClient.size;
  }
}

/**
 * The process's one StreamSlots: the stock streams and the waiting room's ticket streams count
 * toward the same STREAM_MAX_CONNECTIONS and STREAM_MAX_PER_CLIENT.
 */
export const STREAM_SLOTS_PROVIDER: FactoryProvider<StreamSlots> = {
  provide: StreamSlots,
  inject: [ConfigService],
  useFactory: (config: ConfigService<AllConfig, true>) => {
    const settings = config.getOrThrow('stream', { infer: true });
    return new StreamSlots(settings.maxConnections, settings.maxPerClient);
  },
};
