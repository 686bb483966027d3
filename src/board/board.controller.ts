import { Controller, Get, Header } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AllConfig } from '../config/config.types';

/** Paths of the board, outside the /api prefix (see configureHttpApp). */
export const BOARD_PATHS = ['/', 'sale-board.js', 'sale-board-buy.js', 'sale-board.css'];

/** Read once: four small files, copied next to the compiled code by the build (nest-cli.json assets). */
function asset(name: string): string {
  return readFileSync(join(__dirname, 'public', name), 'utf8');
}

/**
 * The sale board at GET /: one page, two scripts (the board; the Hold button and the queue), one stylesheet, all served from here (no
 * CDN, no build chain), so the app's CSP (script-src 'self', no inline script) allows them.
 * The page carries PAYMENT_CURRENCY in a meta tag (data, not script) for the prices.
 */
@ApiExcludeController()
@Controller()
export class BoardController {
  private readonly page: string;
  private readonly script = asset('sale-board.js');
  private readonly buyScript = asset('sale-board-buy.js');
  private readonly style = asset('sale-board.css');

  constructor(config: ConfigService<AllConfig, true>) {
    // Validated as three letters (PAYMENT_CURRENCY), so nothing here needs escaping.
    const currency = config.getOrThrow('payments.currency', { infer: true }).toUpperCase();
    this.page = asset('index.html').replace('{{currency}}', currency);
  }

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  index(): string {
    return this.page;
  }

  @Get('sale-board.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'no-cache')
  js(): string {
    return this.script;
  }

  @Get('sale-board-buy.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'no-cache')
  buyJs(): string {
    return this.buyScript;
  }

  @Get('sale-board.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'no-cache')
  css(): string {
    return this.style;
  }
}
