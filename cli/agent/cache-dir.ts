import { createHash } from 'node:crypto';
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

/**
 * The folder of one broker's local state: `cacheDir()`, and for each `--endpoint` (a local sandbox) a
 * subfolder of its own, so a grant from one broker is never handed out for another.
 */
export function brokerCacheDir(endpoint: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const base = cacheDir(env);
  if (!endpoint) return base;
  return join(base, 'endpoints', createHash('sha256').update(endpoint).digest('hex').slice(0, 16));
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
