import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { concatMap, from, Observable, of, switchMap } from 'rxjs';
import { parseId } from '../../common/pipes/parse-id.pipe';
import { ProductCache } from './product-cache';

/**
 * Caches GET /api/products/:id only (opt in per route with @UseInterceptors). A hit costs one
 * Redis round trip (the generation and the answer together); a miss reads the database and
 * stores the answer under the generation taken before that read. Answers say X-Cache:
 * HIT or MISS; when the cache is bypassed (off, unreachable) they carry no X-Cache.
 */
@Injectable()
export class ProductCacheInterceptor implements NestInterceptor {
  constructor(private readonly productCache: ProductCache) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest<{ Params: { id?: string } }>>();
    // An invalid id is refused by ParseIdPipe after this; there is nothing to cache.
    const productId = request.method === 'GET' ? parseId(request.params.id) : undefined;
    if (productId === undefined) return next.handle();
    const reply = http.getResponse<FastifyReply>();

    return from(this.productCache.read(productId)).pipe(
      switchMap((cached) => {
        if (cached.kind === 'hit') {
          void reply.header('x-cache', 'HIT');
          return of(cached.body);
        }
        if (cached.kind === 'bypass') return next.handle();
        void reply.header('x-cache', 'MISS');
        // Only an answer is cached: a 404 (an error here) writes nothing. A write under an
        // existing generation is one SET, not awaited. A first read claims the generation
        // first (SET NX, then the entry SET), a round trip the answer waits for (bounded, and
        // rare: a generation lives 24 h), so that a read after this answer is a hit.
        return next.handle().pipe(
          concatMap(async (body) => {
            const written = this.productCache.write(productId, cached, body);
            if (cached.claim) await written;
            return body;
          }),
        );
      }),
    );
  }
}
