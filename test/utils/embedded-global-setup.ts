import { mkdirSync, readdirSync } from 'node:fs';
import { EMBEDDED_TEST_ROOT, ownerIsAlive, removeSqliteDatabase } from './test-env';

/**
 * The e2e-embedded project needs neither MariaDB nor Redis. It only removes SQLite files
 * left behind by an interrupted earlier run; a run still going keeps its own.
 */
export default function embeddedGlobalSetup(): void {
  mkdirSync(EMBEDDED_TEST_ROOT, { recursive: true });
  for (const name of readdirSync(EMBEDDED_TEST_ROOT)) {
    if (!ownerIsAlive(name)) removeSqliteDatabase(name);
  }
}
