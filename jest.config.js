/**
 * `npm test` runs both projects: unit specs next to the code (pure rules, no I/O) and
 * e2e specs in test/ against the real MariaDB and Redis of this machine.
 */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

/**
 * @fastify/static 10 (Swagger UI's assets) depends on content-disposition 3, which ships as
 * ESM only. Node >= 20.19 loads it with require(); Jest's module loader on Node 20 cannot,
 * so the e2e project compiles that one package to CommonJS.
 */
const esmOnlyPackages = ['content-disposition', '@apidevtools/json-schema-ref-parser'];
const esmToCommonJs = ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' }, diagnostics: false }];

module.exports = {
  testTimeout: 60_000,
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
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform: { '^.+\\.ts$': tsJest, [`node_modules/(${esmOnlyPackages.join('|')})/.+\\.js$`]: esmToCommonJs },
      transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join('|')})/)`],
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/utils/global-setup.ts',
    },
  ],
};
