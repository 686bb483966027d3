import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import pino, { DestinationStream, Logger } from 'pino';
import type { AllConfig } from '../config/config.types';
import { pinoOptions, shouldPrettyPrint } from './logger-options';
import { RequestLogging } from './request-logging';

/** Where JSON log lines go: stdout. Tests override this token to read the lines back. */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

/**
 * Structured logs through nestjs-pino: JSON lines on stdout at LOG_LEVEL, one request id
 * per request. Nest's Logger (used by every service) writes through it once main.ts or
 * configureHttpApp calls app.useLogger(app.get(Logger)), so `logger.log({ event, ... })`
 * objects become top-level JSON fields. Requests are logged by RequestLogging's Fastify
 * hooks, so nestjs-pino mounts no middleware (`forRoutes: []`).
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      providers: [
        {
          provide: LOG_DESTINATION,
          // Asynchronous writes: logging never blocks the event loop on a slow stdout.
          useFactory: (): DestinationStream => pino.destination({ dest: 1, sync: false }),
        },
      ],
      inject: [ConfigService, LOG_DESTINATION],
      useFactory: (config: ConfigService<AllConfig, true>, destination: DestinationStream) => {
        const pretty = shouldPrettyPrint(
          config.getOrThrow('app.nodeEnv', { infer: true }),
          process.stdout.isTTY,
        );
        const options = pinoOptions({ level: config.getOrThrow('app.logLevel', { infer: true }), pretty });
        // pino takes either a transport (pretty) or a destination stream, not both.
        const logger: Logger = pretty ? pino(options) : pino(options, destination);
        return { pinoHttp: { logger }, forRoutes: [] };
      },
    }),
  ],
  providers: [RequestLogging],
})
export class LoggingModule {}
