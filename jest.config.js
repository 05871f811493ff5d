// Projects: unit tests (pure logic, fakes allowed) live beside the code as *.spec.ts;
// integration tests (real PostgreSQL, Redis, SMTP, softflowd) live in test/ as *.int-spec.ts.
const { compilerOptions } = require('./tsconfig.json');

const moduleNameMapper = Object.fromEntries(
  // `@sg/x/*` aliases (deep imports that avoid a lib's Nest-laden index) become `^@sg/x/(.*)$`.
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias.replace('/*', '/(.*)')}$`,
    `<rootDir>/${target.replace('*', '$1')}`,
  ]),
);
// Type checking is done once by `npm run typecheck`; tests only transpile, which keeps them fast.
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };
const ALONE = ['test/scale/**/*.int-spec.ts', 'test/flows/load-consistency.int-spec.ts'];
const common = { rootDir: __dirname, moduleFileExtensions: ['ts', 'js', 'json'], moduleNameMapper, transform, testEnvironment: 'node' };

module.exports = {
  // Integration tests start real processes and servers; unit tests finish far below this.
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.int-spec.ts'],
      testPathIgnorePatterns: ['/test/scale/', '/test/flows/load-consistency\\.int-spec\\.ts$'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    // Tests that judge results at full speed (concurrent uploads, six processes on a bus) and
    // need both cores to themselves: `npm test` runs them after the others, one at a time.
    {
      ...common,
      displayName: 'alone',
      testMatch: ALONE.map((p) => `<rootDir>/${p}`),
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
