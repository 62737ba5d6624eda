import { readFileSync, statSync } from 'node:fs';
import { credentialProcessOutput } from '../handlers/core/credential-process';
import { resolveConfigPath } from '../infra/config/config-path';
import { brokerCacheDir } from './agent/cache-dir';
import { cacheSecondsFromEnv, CredentialsCache } from './agent/credentials-cache';

/** Options of `jit creds` (and global ones) the fast path understands, each followed by its value. */
const VALUE_OPTIONS = ['--account', '--config', '--endpoint', '--profile', '--region'] as const;
type ValueOption = (typeof VALUE_OPTIONS)[number];

/** `jit creds --account <a>` with only options the fast path understands; else undefined. */
function parseCredsArgs(args: readonly string[]): Partial<Record<ValueOption, string>> | undefined {
  const values: Partial<Record<ValueOption, string>> = {};
  let command: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    const eq = word.indexOf('=');
    const name = (eq > 0 ? word.slice(0, eq) : word) as ValueOption;
    if (VALUE_OPTIONS.includes(name)) {
      const value = eq > 0 ? word.slice(eq + 1) : args[++i];
      if (value === undefined || value === '' || values[name] !== undefined) return undefined;
      values[name] = value;
    } else if (word === '--json') {
      // `jit creds` prints the same JSON line with or without it.
    } else if (word.startsWith('-') || command !== undefined) {
      return undefined;
    } else {
      command = word;
    }
  }
  return command === 'creds' && values['--account'] !== undefined ? values : undefined;
}

function accountId(config: unknown, idOrName: string): { hub: string; account: string } | undefined {
  const { hub, accounts } = (config ?? {}) as { hub?: { account?: unknown }; accounts?: unknown };
  if (typeof hub?.account !== 'string' || !Array.isArray(accounts)) return undefined;
  const match = (accounts as Array<{ id?: unknown; name?: unknown }>).find((a) => a.id === idOrName || a.name === idOrName);
  return typeof match?.id === 'string' ? { hub: hub.account, account: match.id } : undefined;
}

/**
 * `jit creds` answered from the per-user cache without loading the rest of the CLI (commander, zod,
 * the AWS SDK): AWS tools run `credential_process` before their calls, so this is the path taken most
 * often, and its cost is mostly Node.js starting. Returns the line to print, or undefined whenever
 * anything is not simple — an option it does not know (`--role`, `--no-cache`, `--help`), no cache
 * entry, a config changed since the entry was written, any error — and then the full CLI runs and
 * does everything (validation, error messages, reading the secret). The entry is read and judged by
 * the same `CredentialsCache` the full CLI uses.
 */
export function credsFromCache(argv: readonly string[], env: NodeJS.ProcessEnv, now: Date = new Date()): string | undefined {
  try {
    // Against the sandbox, grants are dated by its clock (cli/sandbox-clock.ts), not this machine's:
    // the full CLI judges the cache there.
    if (env.JIT_SANDBOX_CLOCK) return undefined;
    // Another agent than the first keeps its grants under its own cache key; the full CLI knows it.
    if (env.JIT_AGENT) return undefined;
    const args = parseCredsArgs(argv.slice(2));
    if (!args?.['--account']) return undefined;
    const seconds = cacheSecondsFromEnv(env);
    if (seconds === null) return undefined;
    const configFile = resolveConfigPath(args['--config'] ? { ...env, JIT_CONFIG: args['--config'] } : env);
    const ids = accountId(JSON.parse(readFileSync(configFile, 'utf8')), args['--account']);
    if (!ids) return undefined;
    const cache = new CredentialsCache({ dir: brokerCacheDir(args['--endpoint'] ?? env.JIT_ENDPOINT, env), ...(seconds !== undefined ? { maxAgeSeconds: seconds } : {}) });
    if (!cache.enabled) return undefined;
    // The full CLI validated the config when it wrote the entry; an edit since then is validated again.
    if (statSync(configFile).mtimeMs > statSync(cache.fileFor(ids.hub, ids.account)).mtimeMs) return undefined;
    const secret = cache.read(ids.hub, ids.account, now);
    return secret ? `${JSON.stringify(credentialProcessOutput(secret))}\n` : undefined;
  } catch {
    return undefined;
  }
}
