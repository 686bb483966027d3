/**
 * `npm test` runs three projects: unit specs next to the code (pure rules, no I/O), e2e
 * specs in test/ against the real MariaDB and Redis of this machine (the scale-out mode), and
 * e2e-embedded: the engine-independent behaviour specs again, plus test/embedded/, in the
 * zero-setup mode (a SQLite file per suite, no Redis).
 */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

/**
 * @fastify/static 10 (Swagger UI's assets) depends on content-disposition 3, which ships as
 * ESM only. Node >= 20.19 loads it with require(); Jest's module loader on Node 20 cannot,
 * so the e2e project compiles that one package to CommonJS.
 */
const esmOnlyPackages = ['content-disposition', '@apidevtools/json-schema-ref-parser'];
const esmToCommonJs = ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' }, diagnostics: false }];
const e2eTransform = {
  transform: { '^.+\\.ts$': tsJest, [`node_modules/(${esmOnlyPackages.join('|')})/.+\\.js$`]: esmToCommonJs },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join('|')})/)`],
};

/**
 * Specs whose behaviour must not depend on the engine: the flow, the concurrency tests and
 * the cache. The other e2e specs need MariaDB or Redis by nature (outages behind a proxy or a
 * Redis of their own, BullMQ jobs, several processes on one database).
 */
const embeddedSpecs = [
  'products',
  'stream',
  'sale-board',
  'holds',
  'orders',
  'payments',
  'order-payment-timeout',
  'stripe-webhook',
  'concurrency',
  'cache',
  'metrics',
  'webhook-signature',
  'idempotency',
  'security',
  'randomized',
  'sale-rules',
  'admin',
  'schema-constraints',
  'database-clock',
  'sweeper-progress',
];

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
      transform: { '^.+\\.ts$': tsJest },
      testEnvironment: 'node',
    },
    {
      displayName: 'e2e',
      rootDir: '.',
      testMatch: ['<rootDir>/test/*.e2e-spec.ts'],
      ...e2eTransform,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/utils/global-setup.ts',
    },
    {
      // Scale-out on real distributed engines: a 3-node Galera cluster and a 3-master Redis
      // Cluster, started by the scripts in globalSetup and stopped in globalTeardown.
      displayName: 'cluster',
      rootDir: '.',
      testMatch: ['<rootDir>/test/cluster/*.e2e-spec.ts'],
      ...e2eTransform,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/cluster/global-setup.ts',
      globalTeardown: '<rootDir>/test/cluster/global-teardown.ts',
    },
    {
      displayName: 'e2e-embedded',
      rootDir: '.',
      testMatch: [
        ...embeddedSpecs.map((name) => `<rootDir>/test/${name}.e2e-spec.ts`),
        '<rootDir>/test/embedded/*.e2e-spec.ts',
      ],
      ...e2eTransform,
      testEnvironment: 'node',
      setupFiles: ['<rootDir>/test/utils/embedded-env.ts'],
      globalSetup: '<rootDir>/test/utils/embedded-global-setup.ts',
    },
  ],
};
