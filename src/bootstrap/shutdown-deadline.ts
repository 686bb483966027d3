import { Logger } from '@nestjs/common';

/**
 * The last resort of a graceful stop: whatever hangs (a library's second, unbounded
 * `worker.close()` while Redis is down, a pool that never drains), the process exits 0 once
 * SHUTDOWN_TIMEOUT_SECONDS have passed since the signal. Work left undone is safe to drop:
 * every unit moves inside a committed transaction, and BullMQ retries a job in hand as stalled.
 */
export function armShutdownDeadline(timeoutSeconds: number): void {
  const timer = setTimeout(() => {
    new Logger('Shutdown').warn({ event: 'app.shutdown_deadline', timeout_seconds: timeoutSeconds });
    process.exit(0);
  }, timeoutSeconds * 1000);
  // Never the reason the process stays up.
  timer.unref();
}
