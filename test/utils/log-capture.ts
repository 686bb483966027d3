import type { DestinationStream } from 'pino';

export type LogLine = Record<string, unknown> & {
  level: string;
  msg?: string;
  event?: string;
  reqId?: string;
};

/**
 * A pino destination that keeps every JSON line, so a test can assert on the structured
 * logs exactly as they would reach stdout (override LOG_DESTINATION with it).
 */
export class LogCapture implements DestinationStream {
  readonly lines: LogLine[] = [];

  write(chunk: string): void {
    for (const line of chunk.split('\n')) {
      if (line.trim()) this.lines.push(JSON.parse(line) as LogLine);
    }
  }

  events(name: string): LogLine[] {
    return this.lines.filter((line) => line.event === name);
  }

  /** Lines are written when a response finishes, which can be just after the client has it. */
  async waitFor(predicate: (line: LogLine) => boolean, timeoutMs = 2_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('No matching log line');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
