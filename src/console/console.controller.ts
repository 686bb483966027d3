import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of the console, outside the /api prefix (see configureHttpApp). Exact paths: /api/admin/* is untouched. */
export const CONSOLE_PATHS = ['admin', 'admin/console.js', 'admin/console.css'];

/** Read once: three small files, copied next to the compiled code by the build (nest-cli.json assets). */
function asset(name: string): string {
  return readFileSync(join(__dirname, 'public', name), 'utf8');
}

/**
 * The operator console at GET /admin: one page, one ES module, one stylesheet, served from
 * here like the sale board, so the app's strict CSP (script-src 'self', no inline script)
 * allows them. The page itself is public and holds no secret: every call it makes goes to
 * /api/admin with the bearer token the operator pastes, which the admin guard checks.
 */
@ApiExcludeController()
@Controller('admin')
export class ConsoleController {
  private readonly page = asset('index.html');
  private readonly script = asset('console.js');
  private readonly style = asset('console.css');

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  index(): string {
    return this.page;
  }

  @Get('console.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'no-cache')
  js(): string {
    return this.script;
  }

  @Get('console.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'no-cache')
  css(): string {
    return this.style;
  }
}
