import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigNotFoundError } from './config-error';

export const CONFIG_FILE = 'jit.config.json';
export const EXAMPLE_CONFIG_FILE = 'jit.config.example.json';

/**
 * The per-user config folder: `$XDG_CONFIG_HOME/jit`, else `~/.config/jit` (the XDG Base Directory
 * default), where a globally installed `jit` finds `jit.config.json` from any working directory.
 */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'jit');
}

/**
 * The places a config is looked for when `$JIT_CONFIG` (or `--config`) names none, in order:
 * `jit.config.json` in `cwd`, the committed example in `cwd` (so a fresh clone works without setup),
 * then `jit.config.json` in the user config folder.
 */
export function configCandidates(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string[] {
  return [resolve(cwd, CONFIG_FILE), resolve(cwd, EXAMPLE_CONFIG_FILE), join(userConfigDir(env), CONFIG_FILE)];
}

/**
 * Which config file to use: `$JIT_CONFIG` when set (relative to `cwd`), else the first of
 * `configCandidates` that exists. Throws ConfigNotFoundError, listing every place, when none does.
 * No heavy imports: `jit creds` resolves the config on its fast path too.
 */
export function resolveConfigPath(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  if (env.JIT_CONFIG) return resolve(cwd, env.JIT_CONFIG);
  const candidates = configCandidates(env, cwd);
  const found = candidates.find((file) => existsSync(file));
  if (found) return found;
  throw new ConfigNotFoundError(['--config <file> or $JIT_CONFIG (not set)', ...candidates]);
}
