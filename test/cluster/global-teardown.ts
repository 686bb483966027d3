import { galeraScript, redisClusterScript } from './cluster-env';

/** Nothing is left running: both clusters stop and their scratch folders go. */
export default async function globalTeardown(): Promise<void> {
  await Promise.all([galeraScript('stop'), redisClusterScript('stop')]);
}
