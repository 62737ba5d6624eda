'use strict';
/*
 * The file a function worker thread starts with (sandbox/engine/function-workers.ts). Plain JavaScript, so
 * it runs whatever loaded the sandbox: `tsx sandbox/main.ts`, `node --import tsx`, or a jest test under
 * ts-jest, whose transform a worker thread does not inherit. It registers tsx's CommonJS hooks in this
 * thread, then loads the TypeScript module it was given (`workerData.module`).
 */
const { workerData } = require('node:worker_threads');
require('tsx/cjs/api').register();
require(workerData.module);
