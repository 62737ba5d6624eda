import { credsFromCache } from './creds-fast-path';

/*
 * The entry point of the built CLI (dist/cli/jit.cjs, run by bin/jit.js). A `jit creds` that the
 * per-user cache can answer is answered here; everything else loads the CLI (dist/cli/main.cjs).
 */

// stderr is part of jit's contract (`jit creds` says what is wrong in one line), so the AWS SDK's
// multi-line notice about Node.js versions it will stop supporting (shown on Node.js 20) is not
// printed. The SDK documents this variable; docs/cli.md says which Node.js versions are supported.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const line = credsFromCache(process.argv, process.env);
if (line !== undefined) {
  process.stdout.write(line);
} else {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  void (require('./main.cjs') as typeof import('./main')).main();
}
