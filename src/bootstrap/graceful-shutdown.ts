import { Logger, ShutdownSignal } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ShuttingDownError } from '../common/errors/domain.error';
import { toErrorResponse } from '../common/errors/error-response';
import { armShutdownDeadline } from './shutdown-deadline';

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
 * Redis, database pools), and the process exits 0.
 */
export function enableGracefulShutdown(app: NestFastifyApplication, timeoutSeconds: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  let stopping = false;
  const listener = () => void onSignal();
  const unsubscribe = () => SIGNALS.forEach((signal) => process.off(signal, listener));

  async function onSignal(): Promise<void> {
    // A repeated signal while stopping changes nothing (Nest's behaviour too).
    if (stopping) return;
    stopping = true;
    armShutdownDeadline(timeoutSeconds);
    try {
      // Stops accepting connections, answers the requests in hand, closes idle keep-alives.
      // Live stock streams, which never end by themselves, are ended first by the stream
      // hub's preClose hook.
      await fastify.close();
      await app.close();
    } catch (error) {
      new Logger('Shutdown').error({ event: 'app.shutdown_failed', reason: (error as Error).message });
      process.exit(1);
    }
    // exit(), not Nest's re-raised signal: a process killed by the signal never emits
    // 'exit', where pino writes out its asynchronous buffer, and lost the last log lines
    // (most of the access lines of the requests answered during shutdown).
    process.exit(0);
  }

  // Once draining, a request that still arrives on a connection kept alive (pipelined behind
  // one in flight) is refused with the API's 503 envelope, Retry-After and Connection: close,
  // so the client retries on another process. The first onRequest hook, so nothing else runs
  // for it; Fastify's own closing answer (a bare 503) is off (return503OnClosing in http-app.ts).
  fastify.addHook('onRequest', (_request, reply, done) => {
    if (!stopping) return done();
    const refusal = toErrorResponse(new ShuttingDownError());
    void reply
      .code(refusal.httpStatus)
      .headers({ ...refusal.headers, connection: 'close' })
      .send(refusal.body);
  });

  SIGNALS.forEach((signal) => process.on(signal, listener));
  // Closed without a signal (the tests' app.close()): nothing to listen for any more.
  fastify.addHook('onClose', (_instance, done) => {
    if (!stopping) unsubscribe();
    done();
  });
}
