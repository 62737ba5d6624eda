// Builds the `jit` CLI into dist/cli/ (run by `npm install` through `prepare`, by `npm pack`, and by the
// tests that start bin/jit.js). No TypeScript is compiled when `jit` runs. Two files:
//   jit.cjs  — the entry: answers a cached `jit creds` with nothing else loaded;
//   main.cjs — the CLI, loaded by jit.cjs otherwise.
// npm packages stay outside the bundle (installed as the package's dependencies) and are required where
// they are first used, so each command loads only the packages it needs. docs/cli.md, docs/performance.md.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let build;
try {
  ({ build } = await import('esbuild'));
} catch {
  console.error('jit: building the CLI needs the dev dependencies (esbuild): run npm install without --omit=dev, or install the packed CLI (npm pack; docs/cli.md).');
  process.exit(1);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'cli');
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { jit: 'cli/bin.ts', main: 'cli/main.ts' },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  external: ['./main.cjs'],
  logLevel: 'warning',
});
