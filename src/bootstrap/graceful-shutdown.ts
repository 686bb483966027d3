import { Logger, ShutdownSignal } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** The signals Nest's enableShutdownHooks() handles by default. */
const SIGNALS = Object.values(ShutdownSignal) as NodeJS.Signals[];

/**
 * Graceful stop on SIGTERM/SIGINT (and the other signals Nest handles), HTTP first.
 *
 * Nest's enableShutdownHooks() runs every onModuleDestroy hook (the sweeper's run, the
 * expiry worker's drain of up to 10 s, the cache store's disconnect) before it closes the
 * HTTP server. Meanwhile the port kept taking new connections, and requests still in flight
 * found the product cache disconnected, so the holds they committed never invalidated it.
 * Here the server stops listening at once and the requests in flight finish with every
 * service still up; then app.close() stops the rest in Nest's order (sweeper and worker,
 * Redis, database pools) and the signal is raised again, as Nest does, to end the process.
 */
export function enableGracefulShutdown(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  let stopping = false;
  const listener = (signal: NodeJS.Signals) => void onSignal(signal);
  const unsubscribe = () => SIGNALS.forEach((signal) => process.off(signal, listener));

  async function onSignal(signal: NodeJS.Signals): Promise<void> {
    // A repeated signal while stopping changes nothing (Nest's behaviour too).
    if (stopping) return;
    stopping = true;
    try {
      // Stops accepting connections, answers the requests in hand, closes idle keep-alives.
      await fastify.close();
      await app.close();
    } catch (error) {
      new Logger('Shutdown').error({ event: 'app.shutdown_failed', reason: (error as Error).message });
      process.exit(1);
    }
    unsubscribe();
    process.kill(process.pid, signal);
  }

  SIGNALS.forEach((signal) => process.on(signal, listener));
  // Closed without a signal (the tests' app.close()): nothing to listen for any more.
  fastify.addHook('onClose', (_instance, done) => {
    if (!stopping) unsubscribe();
    done();
  });
}
