/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', {}],
  },
  globalSetup: '<rootDir>/test/setup/build-cli.ts',
  setupFiles: ['<rootDir>/test/setup/polyfills.ts', '<rootDir>/test/setup/environment.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/setup/matchers.ts'],
  testTimeout: 60000,
};
