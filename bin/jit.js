#!/usr/bin/env node
'use strict';
// stderr is part of jit's contract (`jit creds` says what is wrong in one line), so the AWS SDK's
// multi-line notice about Node.js 20 support is not printed; docs/cli.md says which Node versions work.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The CLI is TypeScript, run as is: tsx (a runtime dependency) compiles it on load, so `jit` works right
// after `npm install` on a fresh clone, with no build step and no compiled copy to drift from the source.
require('tsx/cjs');
require('../cli/main.ts').main();
