import { EventEmitter } from 'node:events';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import { Cluster } from 'ioredis';
import type { IoRedisClient } from './ioredis-client';

/**
 * A Keyv store over the process's ioredis connection (one server or a cluster), so the
 * product cache (@nestjs/cache-manager -> cache-manager -> Keyv) needs no second Redis
 * client library. Keys are `<prefix>::<key>`, as @keyv/redis wrote them before, so
 * `cache:clear` and entries written by an earlier version keep working. Values are what
 * Keyv hands over (its serialized `{ value, expires }`); Redis expires them with PX.
 * The connection belongs to RedisConnectionModule: `disconnect` leaves it open.
 */
export class IoRedisKeyvStore extends EventEmitter implements KeyvStoreAdapter {
  readonly opts = {};
  /** Set by Keyv to its own namespace; keys use `prefix`, fixed at construction. */
  namespace?: string;
  /** Reads waiting for this turn's MGET (one server only). */
  private turnReads?: Array<{
    keys: string[];
    resolve(values: Array<string | null>): void;
    reject(error: unknown): void;
  }>;

  constructor(
    private readonly client: IoRedisClient,
    private readonly prefix: string,
  ) {
    super();
  }

  /** The key as stored in Redis. */
  keyOf(key: string): string {
    return `${this.prefix}::${key}`;
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return ((await this.client.get(this.keyOf(key))) ?? undefined) as StoredData<Value> | undefined;
  }

  /**
   * One MGET when the keys share a cluster slot (always on one server; on a cluster when they
   * share a hash tag, as a product's generation and entry do), else one GET per key. On one
   * server, the reads asked for in one turn of the event loop go out as a single MGET: ioredis
   * writes each command on its own, and under load one command per read cost Redis about five
   * times the CPU per read that batched ones do.
   */
  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    const stored = keys.map((key) => this.keyOf(key));
    let values: Array<string | null>;
    if (this.client instanceof Cluster) {
      values = sameHashSlot(stored)
        ? await this.client.mget(stored)
        : await Promise.all(stored.map((key) => this.client.get(key)));
    } else {
      values = await this.readThisTurn(stored);
    }
    return values.map((value) => value ?? undefined) as Array<StoredData<Value | undefined>>;
  }

  /** Joins the MGET that leaves at the end of this turn; its reply is split back per caller. */
  private readThisTurn(keys: string[]): Promise<Array<string | null>> {
    return new Promise((resolve, reject) => {
      const pending = (this.turnReads ??= []);
      if (pending.length === 0) setImmediate(() => this.flushTurnReads());
      pending.push({ keys, resolve, reject });
    });
  }

  private flushTurnReads(): void {
    const reads = this.turnReads ?? [];
    this.turnReads = undefined;
    this.client.mget(reads.flatMap((read) => read.keys)).then(
      (values) => {
        let offset = 0;
        for (const read of reads) {
          read.resolve(values.slice(offset, offset + read.keys.length));
          offset += read.keys.length;
        }
      },
      (error: unknown) => {
        for (const read of reads) read.reject(error);
      },
    );
  }

  async set(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const stored = this.keyOf(key);
    const reply =
      ttlMs === undefined
        ? await this.client.set(stored, value)
        : await this.client.set(stored, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
    return reply === 'OK';
  }

  /** SET NX: true when the key had no value and now has this one. */
  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.client.set(this.keyOf(key), value, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async delete(key: string): Promise<boolean> {
    return (await this.client.del(this.keyOf(key))) > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    const deleted = await Promise.all(keys.map((key) => this.delete(key)));
    return deleted.every(Boolean);
  }

  async has(key: string): Promise<boolean> {
    return (await this.client.exists(this.keyOf(key))) === 1;
  }

  /** Every key under the prefix, by SCAN + UNLINK on each server (each master of a cluster). */
  async clear(): Promise<void> {
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    const match = `${this.prefix.replace(/[*?[\]\\]/g, (char) => `\\${char}`)}::*`;
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
        for (const key of found) await node.unlink(key);
        cursor = next;
      } while (cursor !== '0');
    }
  }

  /** The connection is shared and closed by its owner. */
  async disconnect(): Promise<void> {}
}

/** Whether every key hashes to one cluster slot: all carry the same hash tag (`{...}`, non-empty). */
function sameHashSlot(keys: readonly string[]): boolean {
  const tags = new Set(keys.map(hashTagOf));
  return tags.size === 1 && !tags.has(undefined);
}

function hashTagOf(key: string): string | undefined {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}
