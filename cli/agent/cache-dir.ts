import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The per-user folder of the agent side's local state (credential cache, received outcomes):
 * `$JIT_CACHE_DIR`, else `$XDG_CACHE_HOME/jit`, else `~/.cache/jit`. Created with mode 0700.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.JIT_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'jit');
}

/** Creates `dir` (and parents) owner-only, and refuses a folder someone else owns or a symlink. */
export function privateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a folder.`);
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) throw new Error(`${dir} belongs to another user; refusing to keep credentials there.`);
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}
