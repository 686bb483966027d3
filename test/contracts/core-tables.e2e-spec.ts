import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SRC = join(__dirname, '..', '..', 'src');
/** The core's tables, each owned by its feature (its repository is the only SQL on it). */
const CORE_TABLES = ['holds', 'orders', 'payment_events', 'stock_movements'];
/** Features built on the core: they ask its services, never its tables. */
const EDGES = ['queue', 'stream', 'board', 'console'];

/**
 * The import rules (eslint.boundaries.js) cannot see SQL: a raw query on a core table from an
 * edge feature would bypass them. None may name one.
 */
describe('Core tables stay behind the core (contract)', () => {
  it.each(EDGES)('should find no SQL on a core table in src/%s', (feature) => {
    const folder = join(SRC, feature);
    const files = readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((path) =>
      path.endsWith('.ts'),
    );
    const pattern = new RegExp(`\\b(FROM|JOIN|UPDATE|INTO)\\s+\`?(${CORE_TABLES.join('|')})\\b`, 'i');
    const offenders = files.filter((path) => pattern.test(readFileSync(join(folder, path), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
