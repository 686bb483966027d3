import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of the board, outside the /api prefix (see configureHttpApp). */
export const BOARD_PATHS = ['/', 'sale-board.js', 'sale-board.css'];

/** Read once: three small files, copied next to the compiled code by the build (nest-cli.json assets). */
function asset(name: string): string {
  return readFileSync(join(__dirname, 'public', name), 'utf8');
}

/**
 * The sale board at GET /: one page, one script, one stylesheet, all served from here (no
 * CDN, no build chain), so the app's CSP (script-src 'self', no inline script) allows them.
 */
@ApiExcludeController()
@Controller()
export class BoardController {
  private readonly page = asset('index.html');
  private readonly script = asset('sale-board.js');
  private readonly style = asset('sale-board.css');

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

  @Get('sale-board.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'no-cache')
  css(): string {
    return this.style;
  }
}
