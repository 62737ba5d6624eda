import { createHash } from 'node:crypto';
import type { LoadedConfig } from './config/load-config';

/** Name of the stack output that carries the digest (every stack of an installation has it). */
export const INSTALLATION_DIGEST_OUTPUT = 'JitInstallationDigest';

/**
 * A digest of what a deployment is built from: the config and every role's policy file. Each stack
 * carries it as an output, so `jit doctor` can tell a stack deployed from this config from one that is
 * behind it without diffing templates. The code's version is not part of it: changing the code without
 * the config is caught by `cdk diff`, not by doctor.
 */
export function installationDigest(loaded: Pick<LoadedConfig, 'config' | 'policies'>): string {
  const policies = [...loaded.policies.entries()].sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256')
    .update(JSON.stringify({ config: loaded.config, policies }))
    .digest('hex')
    .slice(0, 16);
}
