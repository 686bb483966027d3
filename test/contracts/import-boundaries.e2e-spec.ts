import { Linter } from 'eslint';
import { parser as tsParser } from 'typescript-eslint';
import { join } from 'node:path';

// CommonJS on purpose, so it is required here exactly as eslint.config.mjs spreads it in.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const importBoundaries = require('../../eslint.boundaries.js') as Linter.Config[];

const ROOT = join(__dirname, '..', '..');
const linter = new Linter({ cwd: ROOT, configType: 'flat' });
const config: Linter.Config[] = [
  { files: ['**/*.ts'], languageOptions: { parser: tsParser } },
  ...importBoundaries,
];

/** The no-restricted-imports messages ESLint reports for one import line in a file at `path`. */
function refusals(path: string, from: string): string[] {
  const code = `import { x } from '${from}';\nexport const y = x;\n`;
  return linter
    .verify(code, config, join(ROOT, path))
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message);
}

/**
 * The import boundaries of eslint.boundaries.js fire on what they forbid and stay quiet on
 * what is allowed: fixtures are linted in memory as files of the named folders.
 */
describe('Import boundaries (npm run lint)', () => {
  it("should refuse another feature's repository, whichever feature imports it", () => {
    expect(refusals('src/holds/holds.service.ts', '../products/products.repository')).toEqual([
      expect.stringMatching(/A repository is its feature's own: call a products service/),
    ]);
    expect(
      refusals('src/admin/admin-products.service.ts', '../products/stock/stock-movements.repository'),
    ).toHaveLength(1);
    expect(refusals('src/stream/stream.controller.ts', '../../src/holds/holds.repository')).toHaveLength(1);
    expect(
      refusals('src/expiry/working/unpaid-orders.sweeper.ts', '../../orders/orders.repository'),
    ).toHaveLength(1);
  });

  it("should let a feature use its own repository and another feature's service", () => {
    expect(refusals('src/products/stock/product-stock.ts', '../products.repository')).toEqual([]);
    expect(refusals('src/holds/holds.service.ts', './holds.repository')).toEqual([]);
    expect(refusals('src/holds/holds.service.ts', '../products/stock/product-stock')).toEqual([]);
    expect(refusals('src/payments/payments.service.ts', '../orders/orders.service')).toEqual([]);
  });

  it("should refuse another feature's internals", () => {
    expect(
      refusals('src/stream/product-stream.hub.ts', '../products/changes/redis-product-changes.channel'),
    ).toEqual([expect.stringMatching(/The internals of products stay in src\/products\//)]);
    expect(refusals('src/orders/orders.service.ts', '../payments/stripe/stripe-event.mapper')).toHaveLength(
      1,
    );
    expect(
      refusals('src/holds/holds.module.ts', '../expiry/working/hold-expiry-workers.module'),
    ).toHaveLength(1);
    expect(
      refusals('src/holds/holds.module.ts', '../expiry/scheduling/hold-expiry-scheduling.module'),
    ).toEqual([]);
  });

  it('should refuse the core importing admin, stream or board, and allow the other way round', () => {
    for (const core of ['products', 'holds', 'orders', 'payments']) {
      expect(refusals(`src/${core}/x.ts`, '../admin/admin.errors')).toEqual([
        expect.stringMatching(/The core \(products, holds, orders, payments\) never imports admin/),
      ]);
      expect(refusals(`src/${core}/x.ts`, '../stream/stream-ids')).toHaveLength(1);
      expect(refusals(`src/${core}/x.ts`, '../board/board.module')).toHaveLength(1);
    }
    expect(refusals('src/admin/admin-products.service.ts', '../products/products.service')).toEqual([]);
    expect(refusals('src/stream/product-stream.hub.ts', '../products/changes/product-changes')).toEqual([]);
  });

  it('should allow only the listed exceptions, in their own files', () => {
    expect(refusals('src/orders/orders.service.ts', '../holds/holds.repository')).toEqual([]);
    expect(refusals('src/payments/payments.service.ts', '../orders/orders.repository')).toEqual([]);
    expect(refusals('src/orders/unpaid-orders.service.ts', '../holds/holds.repository')).toHaveLength(1);
    expect(refusals('src/payments/payments.service.ts', '../holds/holds.repository')).toHaveLength(1);
    expect(refusals('src/orders/orders.service.ts', '../products/products.repository')).toHaveLength(1);
  });

  it('should leave the wiring outside the features free to import any module', () => {
    expect(refusals('src/app.module.ts', './expiry/working/hold-expiry-workers.module')).toEqual([]);
    expect(refusals('src/cli/audit-stock.ts', '../products/products.repository')).toEqual([]);
  });
});
