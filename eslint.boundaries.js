// @ts-check
/**
 * Import boundaries between the feature folders of src/, checked by ESLint's core
 * no-restricted-imports (eslint.config.mjs spreads this in; test/contracts/import-boundaries
 * lints fixtures against it). CommonJS so that the Jest spec can require it as it is.
 *
 * 1. A feature never imports another feature's repository or internals: it calls the other
 *    feature's service (stock changes go through products' ProductStock, which owns the
 *    products table and the stock ledger).
 * 2. The core (products, holds, orders, payments) never imports the edges built on it (admin,
 *    stream, board, console): they depend on the core, never the other way round.
 * Entry points and wiring (app.module.ts, main.ts, worker.ts, cli/, bootstrap/, database/'s
 * entity list) are outside the features and may import any module.
 */

const FEATURES = [
  'admin',
  'board',
  'buyers',
  'console',
  'expiry',
  'health',
  'holds',
  'idempotency',
  'metrics',
  'orders',
  'payments',
  'products',
  'queue',
  'stream',
];
const CORE = ['products', 'holds', 'orders', 'payments'];
const EDGES = ['admin', 'stream', 'board', 'console', 'queue'];

/** Besides its repositories, what each feature keeps to itself (paths inside its folder, as regex). */
const INTERNALS = {
  products: [
    'changes/redis-product-changes\\.channel',
    'cache/product-cache-store\\.module',
    'stock/stock-movement\\.entity',
  ],
  payments: ['stripe/'],
  expiry: ['working/', 'scheduling/bullmq-hold-expiry\\.scheduler'],
};

/**
 * Imports of another feature's repository that predate the rule, allowed file by file until
 * their services offer the call (issue 22): each entry is a file and the repositories it may
 * still import. Anything not listed here fails.
 */
const KNOWN_EXCEPTIONS = {
  'src/orders/orders.service.ts': ['holds/holds.repository'],
  'src/expiry/working/expired-holds.sweeper.ts': ['holds/holds.repository'],
  'src/payments/payments.service.ts': ['orders/orders.repository'],
};

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The patterns a file in `feature` must not match, minus the imports it is still allowed. */
function patternsFor(feature, allowed = []) {
  const patterns = [];
  for (const other of FEATURES.filter((name) => name !== feature)) {
    const kept = allowed
      .filter((path) => path.startsWith(`${other}/`))
      .map((path) => `(?!${escape(path.slice(other.length + 1))}$)`)
      .join('');
    patterns.push({
      regex: `(^|/)${other}/${kept}(.*/)?[^/]+\\.repository$`,
      message: `A repository is its feature's own: call a ${other} service instead (eslint.boundaries.js).`,
    });
    for (const internal of INTERNALS[other] ?? []) {
      patterns.push({
        regex: `(^|/)${other}/${internal}`,
        message: `The internals of ${other} stay in src/${other}/: use what its module exports (eslint.boundaries.js).`,
      });
    }
  }
  if (CORE.includes(feature)) {
    for (const edge of EDGES) {
      patterns.push({
        regex: `(^|/)${edge}/`,
        message: `The core (${CORE.join(', ')}) never imports ${edge}: ${edge} is built on the core (eslint.boundaries.js).`,
      });
    }
  }
  return patterns;
}

const rule = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

/** Flat-config objects: one per feature folder, then one per file with a known exception. */
module.exports = [
  ...FEATURES.map((feature) => ({
    files: [`src/${feature}/**/*.ts`],
    rules: rule(patternsFor(feature)),
  })),
  ...Object.entries(KNOWN_EXCEPTIONS).map(([file, allowed]) => ({
    files: [file],
    rules: rule(patternsFor(file.split('/')[1], allowed)),
  })),
];
