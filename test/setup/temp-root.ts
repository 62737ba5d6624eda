import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One temporary folder for the whole run. Every `os.tmpdir()` in the test workers and in the processes
 * they start (the sandbox, `jit`, the AWS CLI) resolves inside it, because Jest starts its workers after
 * global setup and they inherit `TMPDIR`. That includes the `cdk.out*` folder an `App` without `outdir`
 * creates on every synthesis, which no test can clean up itself. Global teardown removes the folder.
 */
const VARIABLE = 'JIT_TEST_TEMP_ROOT';

export function createTempRoot(): void {
  const root = mkdtempSync(join(tmpdir(), 'jit-test-run-'));
  process.env[VARIABLE] = root;
  process.env.TMPDIR = root;
}

export function removeTempRoot(): void {
  const root = process.env[VARIABLE];
  if (root === undefined) return;
  // Tests are expected to clean up after themselves; listing what was left points at the one that did not.
  const left = readdirSync(root).filter((name) => !name.startsWith('cdk.out'));
  if (left.length > 0 && process.env.JIT_TEST_REPORT_TEMP === '1') {
    process.stderr.write(`Temporary files left by tests (removed now): ${left.join(', ')}\n`);
  }
  rmSync(root, { recursive: true, force: true });
}
