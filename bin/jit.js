#!/usr/bin/env node
'use strict';
// The CLI is TypeScript, run as is: tsx (a runtime dependency) compiles it on load, so `jit` works right
// after `npm install` on a fresh clone, with no build step and no compiled copy to drift from the source.
require('tsx/cjs');
require('../cli/main.ts').main();
