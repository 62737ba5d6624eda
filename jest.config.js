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
  // Known leak, not yet fixed: an execution stopped mid-task (test/workflows/stranded-decision.test.ts) leaves
  // aws-local-stepfunctions' execution-timeout timer running (the engine clears it only when an execution
  // finishes), so Jest would wait for it after every test had passed. Exit when the run is done instead.
  forceExit: true,
};
