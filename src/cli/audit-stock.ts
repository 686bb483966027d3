import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/configuration';
import { loadEnvFileIfPresent } from '../config/env-file';
import { buildDataSourceOptions } from '../database/data-source-options';
import { auditStock } from '../database/stock-audit';

/**
 * `npm run audit:stock`: prints, per product, where its missing units are, and exits 1 if
 * any product has units that are neither available, held nor ordered (or are counted twice).
 * `--ignore=1,2` skips products that were created with available < total (the sample seed).
 */
async function main() {
  loadEnvFileIfPresent();
  const ignored = new Set(
    (process.argv.find((arg) => arg.startsWith('--ignore='))?.slice('--ignore='.length) ?? '')
      .split(',')
      .filter(Boolean)
      .map(Number),
  );
  const dataSource = await new DataSource(buildDataSourceOptions(loadConfig().database)).initialize();
  try {
    const rows = (await auditStock(dataSource)).filter((row) => !ignored.has(row.productId));
    console.table(rows);
    const broken = rows.filter((row) => row.difference !== 0);
    if (broken.length > 0) {
      console.error(`Stock differences on products ${broken.map((row) => row.productId).join(', ')}`);
      process.exitCode = 1;
    } else {
      console.log(`All ${rows.length} products accounted for.`);
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
