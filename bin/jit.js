#!/usr/bin/env node
'use strict';
// The CLI runs compiled: scripts/build-cli.mjs bundles cli/ into dist/cli/ when the package is installed
// from a clone (`npm install` runs `prepare`) and when it is packed (`npm pack`), so no TypeScript is
// compiled at run time (docs/cli.md).
// Only a missing build is reported as such: a missing npm package of the CLI throws as itself.
const entry = require('node:path').join(__dirname, '..', 'dist', 'cli', 'jit.cjs');
if (require('node:fs').existsSync(entry)) {
  require(entry);
} else {
  process.stderr.write('jit: the CLI is not built (no dist/cli/). Run: npm run build (npm install does it)\n');
  process.exitCode = 1;
}
