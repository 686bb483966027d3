import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ThrottlerGuard } from '@nestjs/throttler';
import { getMetadataStorage } from 'class-validator';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvironmentVariables } from '../../src/config/env.schema';
import { controllerRoutes } from '../utils/served-routes';
import { createTestApp, TestApp } from '../utils/test-app';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const DOC_FILES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** UPPER_SNAKE names in the docs that are not settings: SQL functions, and the tests' own switch. */
const NOT_SETTINGS: Record<string, string> = {
  GET_LOCK: 'the MySQL function the startup migration lock uses',
  UTC_TIMESTAMP: 'the MySQL function that reads the database clock',
  TEST_LOGS: 'read by the test utilities only, never by the app',
  GALERA_DIR: 'where scripts/galera-cluster.sh keeps its local nodes, never read by the app',
  POOL_ID: "a placeholder in Amazon Cognito's JWKS URL (docs/api.md, Authenticating buyers)",
  COM_QUERY: 'a MySQL protocol command the waiting-room bench counts (docs/performance.md)',
  COM_STMT_EXECUTE: 'a MySQL protocol command the waiting-room bench counts (docs/performance.md)',
  CAP_SYS_RESOURCE: 'the Linux capability that raises the hard open-files limit (docs/performance.md)',
};

/** The rows of the first Markdown table after `heading`, as arrays of cells. */
function tableAfter(markdown: string, heading: string): string[][] {
  const section = markdown.slice(markdown.indexOf(heading));
  const lines = section.split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows.slice(2);
}

const backticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);

describe('Documentation stays true (e2e)', () => {
  const validated = new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
      .map((metadata) => metadata.propertyName),
  );
  const errorCodes = new Set(
    tableAfter(read('docs/api.md'), '## Error codes').flatMap((row) => backticked(row[1])),
  );

  it('should validate every environment variable the docs and .env.example name', () => {
    expect(validated.size).toBeGreaterThan(20);
    expect(errorCodes).toContain('INSUFFICIENT_STOCK');
    const named = new Set(
      [...DOC_FILES, '.env.example'].flatMap(
        (file) => read(file).match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g) ?? [],
      ),
    );
    const unknown = [...named].filter(
      (name) => !validated.has(name) && !errorCodes.has(name) && !(name in NOT_SETTINGS),
    );
    expect(unknown).toEqual([]);
  });

  it("should list every validated setting in the README's configuration table", () => {
    const table = tableAfter(read('README.md'), '## Configuration').flatMap((row) => backticked(row[0]));
    expect([...validated].filter((name) => !table.includes(name)).sort()).toEqual([]);
    expect(table.filter((name) => !validated.has(name))).toEqual([]);
  });

  it('should name only test files that exist', () => {
    const named = DOC_FILES.flatMap((file) => read(file).match(/\btest\/[\w./-]+\.ts\b/g) ?? []);
    expect(named.length).toBeGreaterThan(3);
    expect(named.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });

  describe('routes', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp();
    });

    afterAll(async () => {
      await t.close();
    });

    const documentedRoutes = () =>
      tableAfter(read('docs/api.md'), '| Method and path |').map((row) => backticked(row[0])[0]);

    it("should serve every route of docs/api.md's route table, and document every /api route served", () => {
      const served = controllerRoutes(t)
        .filter((route) => route.url.startsWith('/api/'))
        .map((route) => `${route.method} ${route.url}`);
      expect(documentedRoutes().sort()).toEqual(served.sort());
    });

    it('should say which routes the rate limit covers, as the app applies it: never the webhook', () => {
      const limited = controllerRoutes(t)
        .filter((route) => route.guards.includes(ThrottlerGuard))
        .map((route) => `${route.method} ${route.url}`);
      expect(limited).toEqual(expect.arrayContaining(['POST /api/holds', 'POST /api/orders']));
      expect(limited).not.toContain('POST /api/payments/webhook');
      // The admin routes are named together, as `/api/admin/*`.
      const named = (text: string) =>
        limited.every((route) => text.includes(route.includes(' /api/admin/') ? '/api/admin/*' : route));
      const readmeRow = tableAfter(read('README.md'), '## Configuration').find((row) =>
        row[0].includes('`RATE_LIMIT_PER_MINUTE`'),
      )![2];
      const errorRow = tableAfter(read('docs/api.md'), '## Error codes').find((row) =>
        row[1].includes('TOO_MANY_REQUESTS'),
      )![2];
      for (const text of [readmeRow, errorRow]) {
        expect({ text, namesEveryLimitedRoute: named(text) }).toEqual({ text, namesEveryLimitedRoute: true });
        expect(text).toMatch(/never (on )?the payment webhook/);
      }
    });

    it('should only curl routes that are served', () => {
      const served = controllerRoutes(t).map((route) => ({
        method: route.method,
        // A ticket id is a URL-safe string (the docs abbreviate it `Xb1...`); other ids are numbers.
        pattern: new RegExp(
          `^${route.url.replace(/:ticket_id/g, '[\\w.-]+').replace(/:\w+/g, '\\d+')}(\\?.*)?$`,
        ),
      }));
      const curls = DOC_FILES.flatMap((file) =>
        read(file)
          .split('\n')
          .filter((line) => /^\s*curl\b/.test(line) || /\|\s*xargs .*curl\b/.test(line))
          .map((line) => ({ file, line })),
      );
      expect(curls.length).toBeGreaterThan(10);
      for (const { file, line } of curls) {
        const path = /localhost:3000(\/[^\s'"]*)/.exec(line)?.[1];
        const method = /-X (\w+)/.exec(line)?.[1] ?? 'GET';
        const known = ['/api/docs', '/api/docs-json'];
        const ok =
          path !== undefined &&
          (known.includes(path) ||
            served.some((route) => route.method === method && route.pattern.test(path)));
        expect({ file, line, ok }).toEqual({ file, line, ok: true });
      }
    });
  });

  describe("the README's tour", () => {
    let t: TestApp;

    beforeAll(async () => {
      // As after `npm start` on a fresh install, with the secret the tour signs with.
      t = await createTestApp({ SEED_ON_START: 'true', PAYMENT_WEBHOOK_SECRET: 'whsec_change_me' });
    });

    afterAll(async () => {
      await t.close();
    });

    it('should answer every command as the comments under it say', async () => {
      const readme = read('README.md');
      const section = readme.slice(readme.indexOf('## A one-minute tour'));
      const script = /```bash\n([\s\S]*?)```/.exec(section)![1];
      const { host } = new URL(t.url.replace('[::1]', '127.0.0.1'));
      const { stdout } = await promisify(execFile)('bash', [
        '-e',
        '-c',
        script.replaceAll('localhost:3000', host),
      ]);

      // Each `# {...}` (after an optional status) and each trailing `# "field":...`, in order;
      // `...` in them stands for any value.
      const expected = script
        .split('\n')
        .map((line) => /#\s*(?:\d{3}\s+)?([{"].*)$/.exec(line)?.[1])
        .filter((comment): comment is string => comment !== undefined);
      expect(expected.length).toBeGreaterThanOrEqual(5);
      let rest = stdout;
      for (const comment of expected) {
        const pattern = comment
          .split(/"\.\.\."|,\.\.\./)
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*?');
        const match = new RegExp(pattern).exec(rest);
        expect({ comment, found: Boolean(match) }).toEqual({ comment, found: true });
        rest = rest.slice(match!.index + match![0].length);
      }
    });
  });
});
