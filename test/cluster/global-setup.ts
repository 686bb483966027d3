import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from '../utils/embedded';
import { galeraScript, redisClusterScript } from './cluster-env';

const run = promisify(execFile);

/**
 * Starts the 3-node Galera cluster and the 3-master Redis Cluster (idempotent scripts; they
 * install what they miss with apt-get when run as root), and builds the app once, for
 * `npm run audit:stock` (it runs the built CLI, as operators do).
 */
export default async function globalSetup(): Promise<void> {
  await Promise.all([
    galeraScript('start'),
    redisClusterScript('start'),
    run('npm', ['run', 'build'], { cwd: ROOT, timeout: 180_000 }),
  ]);
}
