/**
 * `npm test` runs six projects: unit specs next to the code (pure rules, no I/O), medium and
 * medium-embedded (services on the real MariaDB, then on SQLite, no HTTP), e2e specs against
 * the real MariaDB and Redis of this machine (the scale-out mode), cluster (Galera and Redis
 * Cluster), and e2e-embedded: test/api/ again, plus test/embedded/, in the zero-setup mode (a
 * SQLite file per suite, no Redis).
 */
const { readdirSync } = require('node:fs');
const { join } = require('node:path');

const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

/**
 * @fastify/static 10 (Swagger UI's assets) depends on content-disposition 3, which ships as
 * ESM only. Node >= 20.19 loads it with require(); Jest's module loader on Node 20 cannot,
 * so the e2e project compiles that one package to CommonJS.
 */
const esmOnlyPackages = ['content-disposition', '@apidevtools/json-schema-ref-parser', 'jose'];
const esmToCommonJs = ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' }, diagnostics: false }];
const e2eTransform = {
  transform: { '^.+\\.ts$': tsJest, [`node_modules/(${esmOnlyPackages.join('|')})/.+\\.js$`]: esmToCommonJs },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join('|')})/)`],
};

/**
 * test/ is grouped by kind, and each project picks folders, never file names:
 * - api/: behaviour through HTTP that must not depend on the engine (the flow, concurrency, the
 *   cache, metrics): run in both modes;
 * - scale-out/: behaviour that exists only with Redis (BullMQ expiry jobs, the shared rate limit,
 *   the database identity of Redis state); embedded/: behaviour of the zero-setup mode alone;
 * - faults/: outages, process faults, shutdown, load shedding;
 * - processes/: several processes or app instances on one database, operator scripts, start-up;
 * - contracts/: what others read: the docs, OpenAPI, the Grafana dashboard, error and log shapes;
 * - cluster/: the scale-out mode on Galera and Redis Cluster (a project of its own);
 * - medium/: services called directly on the real database, no HTTP: on MariaDB (medium) and
 *   on SQLite (medium-embedded), but for medium/mariadb/.
 */
const scaleOutFolders = ['api', 'scale-out', 'faults', 'processes', 'contracts'];
const embeddedFolders = ['api', 'embedded'];
const specsIn = (folders) => folders.map((folder) => `<rootDir>/test/${folder}/**/*.e2e-spec.ts`);

/** A spec outside these folders would run in no project, silently: refuse to start instead. */
const specFolders = [...new Set([...scaleOutFolders, ...embeddedFolders, 'cluster', 'medium'])];
const strays = readdirSync(join(__dirname, 'test'), { recursive: true })
  .filter((path) => /(^|\/)[^/]+\.(e2e|medium)-spec\.ts$/.test(path))
  .filter((path) => !specFolders.includes(path.split('/')[0]));
if (strays.length > 0) {
  throw new Error(
    `Specs outside test/{${specFolders.join(',')}}/, which no Jest project runs: ${strays.join(', ')}`,
  );
}

module.exports = {
  testTimeout: 60_000,
  /*
   * Exit once every suite and the global teardowns are done, even if a client a library owns
   * is still reconnecting: the cluster teardown stops Redis Cluster, and an ioredis Cluster
   * left open (BullMQ never closes a connection it is given) retries forever and kept Jest
   * alive after a green run. Such leaks still show, as "Cannot log after tests are done".
   */
  forceExit: true,
  projects: [
    {
      displayName: 'unit',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      // jose (the buyer token verifier's) is ESM only too.
      ...e2eTransform,
      testEnvironment: 'node',
    },
    {
      displayName: 'e2e',
      rootDir: '.',
      testMatch: specsIn(scaleOutFolders),
      ...e2eTransform,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/utils/global-setup.ts',
    },
    {
      // Services called directly, without HTTP, on a MariaDB database of the suite's own
      // (test/utils/test-module.ts): rules easier to reach there than through the API.
      displayName: 'medium',
      rootDir: '.',
      testMatch: ['<rootDir>/test/medium/**/*.medium-spec.ts'],
      ...e2eTransform,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/utils/global-setup.ts',
    },
    {
      // The same on a SQLite file per suite, except test/medium/mariadb/ (row locks, deadlocks).
      displayName: 'medium-embedded',
      rootDir: '.',
      testMatch: ['<rootDir>/test/medium/**/*.medium-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/medium/mariadb/'],
      ...e2eTransform,
      testEnvironment: 'node',
      setupFiles: ['<rootDir>/test/utils/embedded-env.ts'],
      globalSetup: '<rootDir>/test/utils/embedded-global-setup.ts',
    },
    {
      // Scale-out on real distributed engines: a 3-node Galera cluster and a 3-master Redis
      // Cluster, started by the scripts in globalSetup and stopped in globalTeardown.
      displayName: 'cluster',
      rootDir: '.',
      testMatch: specsIn(['cluster']),
      ...e2eTransform,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/cluster/global-setup.ts',
      globalTeardown: '<rootDir>/test/cluster/global-teardown.ts',
    },
    {
      displayName: 'e2e-embedded',
      rootDir: '.',
      testMatch: specsIn(embeddedFolders),
      ...e2eTransform,
      testEnvironment: 'node',
      setupFiles: ['<rootDir>/test/utils/embedded-env.ts'],
      globalSetup: '<rootDir>/test/utils/embedded-global-setup.ts',
    },
  ],
};
