import { resolve } from 'node:path';

/**
 * The absolute command line of this `jit`: Node.js's own path and bin/jit.js. AWS tools start
 * `credential_process`, and MCP hosts start servers, with their own PATH and working directory, where a
 * bare `jit` may be missing or another program. Two folders up from here is the package root both in
 * the source (`cli/agent/`) and in the build (`dist/cli/`).
 */
export function jitCommandLine(execPath: string = process.execPath, packageRoot: string = resolve(__dirname, '..', '..')): string[] {
  return [execPath, resolve(packageRoot, 'bin', 'jit.js')];
}

/** A word for a POSIX shell command line (what botocore's and the JS SDK's credential_process parse). */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
