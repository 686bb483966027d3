import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { storage, Store } from 'nestjs-pino/storage';
import type { Logger } from 'pino';
import { accessLogLevel, isQuietPath, redactedUrl } from './logger-options';

/**
 * Request logging with Fastify's own hooks instead of nestjs-pino's pino-http middleware:
 * that middleware runs through @fastify/middie, which measured as a large share of a cached
 * read's CPU. Same result: every line written while a request is served (the services'
 * `hold.created` ...) carries its `reqId` through nestjs-pino's AsyncLocalStorage, and one
 * access line per request gives method, path, status and duration, never headers or bodies
 * (tokens), and the path with buyers' ids and ticket ids redacted (see redactedUrl).
 */
@Injectable()
export class RequestLogging implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    // Absent in a process without HTTP (the worker).
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    // The app's pino instance as nestjs-pino set it up (LoggingModule). Its pino-http
    // wrapper adds serializers that expect Node's req/res objects; the access line already
    // holds plain values, so it keeps them as they are.
    const root = PinoLogger.root.child({}, { serializers: { req: asIs, res: asIs } });
    const loggers = new WeakMap<object, Logger>();

    fastify.addHook('onRequest', (request, _reply, done) => {
      const log = root.child({ reqId: request.id });
      loggers.set(request, log);
      // Fastify runs the rest of the request (body parsing, the Nest handler) from done(),
      // so everything it starts sees this store.
      storage.run(new Store(log), done);
    });

    fastify.addHook('onResponse', (request, reply, done) => {
      if (!isQuietPath(request.url)) {
        const log = loggers.get(request) ?? root;
        log[accessLogLevel(reply.statusCode)](
          {
            req: { method: request.method, url: redactedUrl(request.url) },
            res: { status_code: reply.statusCode },
            responseTime: Math.round(reply.elapsedTime * 10) / 10,
          },
          'request completed',
        );
      }
      done();
    });
  }
}

function asIs<T>(value: T): T {
  return value;
}
