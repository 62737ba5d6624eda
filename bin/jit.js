#!/usr/bin/env node
'use strict';
// The CLI runs compiled: scripts/build-cli.mjs bundles cli/ into dist/cli/ when the package is installed
// from a clone (`npm install` runs `prepare`) and when it is packed (`npm pack`), so no TypeScript is
// compiled at run time (docs/cli.md).
try {
  require('../dist/cli/jit.cjs');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/')) {
    process.stderr.write('jit: the CLI is not built (no dist/cli/). Run: npm run build:cli (npm install does it)\n');
    process.exitCode = 1;
  } else {
    throw error;
  }
}
