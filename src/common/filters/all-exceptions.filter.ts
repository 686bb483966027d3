import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError } from '../errors/domain.error';
import { toErrorResponse } from '../errors/error-response';

/** Catches every exception (domain errors, HTTP errors, driver errors, bugs): the one place that turns them into HTTP responses with the error envelope. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const response = toErrorResponse(exception);
    this.log(exception, response.httpStatus, response.body.code, response.unexpected);
    void reply.status(response.httpStatus).headers(response.headers).send(response.body);
  }

  private log(exception: unknown, httpStatus: number, code: string, unexpected: boolean): void {
    if (unexpected) {
      // `err` is serialised by pino with its type, message and stack as fields of the line.
      this.logger.error({ event: 'request.failed', code, err: exception });
      return;
    }
    // A driver error meaning "database unreachable" is no DomainError but is an incident: warn.
    const level =
      exception instanceof DomainError ? exception.logLevel : httpStatus === 503 ? 'warn' : 'debug';
    this.logger[level === 'info' ? 'log' : level]({ event: 'request.refused', status: httpStatus, code });
  }
}
