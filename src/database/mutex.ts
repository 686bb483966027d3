/**
 * A FIFO async mutex. SQLite has one writer and TypeORM's better-sqlite3 driver shares one
 * connection between query runners, so two transactions awaiting between statements would
 * interleave on it (typeorm#8668, #1884). Holding this around each unit of work serialises them.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async runExclusive<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }
}
