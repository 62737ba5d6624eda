import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Jest global setup: builds dist/cli/ from the current source once per run, so the tests that start
 * `bin/jit.js` as AWS tools and MCP hosts do (credential_process, jit mcp, the sandbox, the global
 * install) run the CLI as it is shipped, never a stale build.
 */
export default function buildCli(): void {
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'build-cli.mjs')], { stdio: 'inherit' });
}
