import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadJitConfig, resolveConfigPath } from '../infra/config/load-config';
import { cachedInstallation } from './template/installation';

/*
 * Run by `npm install` (package.json `postprepare`): synthesizes the installation `npm start` would run
 * with the default config into the shared cache, so that the first start of a fresh clone is as fast as
 * every later one (docs/sandbox.md). Best effort: a failure here only costs the first start its synthesis.
 */
function main(): void {
  if (process.env.npm_command === 'pack' || process.env.JIT_SKIP_SANDBOX_WARM === '1') return;
  const started = Date.now();
  const home = mkdtempSync(join(tmpdir(), 'jit-sandbox-warm-'));
  try {
    const installation = cachedInstallation(loadJitConfig(resolveConfigPath()), home);
    const how = installation.fromCache ? 'already cached' : `synthesized in ${((Date.now() - started) / 1000).toFixed(1)} s`;
    console.log(`jit: sandbox installation for the default config ${how} (node_modules/.cache/jit-sandbox)`);
  } catch (error) {
    console.warn(`jit: could not prepare the sandbox's installation (npm start will synthesize it): ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

main();
