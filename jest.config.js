/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', {}],
  },
  // One temporary folder per run, removed at the end (test/setup/temp-root.ts), and dist/cli built from
  // the current source (test/setup/build-cli.ts).
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  setupFiles: ['<rootDir>/test/setup/polyfills.ts', '<rootDir>/test/setup/environment.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/setup/matchers.ts'],
  // Generous on purpose: CI and developers share 2 cores, and a second run may share them too.
  testTimeout: 120000,
  // A stopped local execution used to leave aws-local-stepfunctions' task and execution timeout timers running
  // (fixed in workflows/local/local-execution.ts, tested in test/workflows/local/local-execution.test.ts).
  // Kept as a guard: a leaked timer must not hold CI for its 90 minutes after every test has passed.
  forceExit: true,
};
