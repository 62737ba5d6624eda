import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, type LoadedConfig, loadJitConfig, toBrokerSettings } from '../../infra/config/load-config';
import { EXAMPLE_CONFIG, REPO_ROOT } from './synth';

/** The example config as JSON, loosely typed so a test can set any field a variant needs. */
export type RawConfig = {
  roles: Array<{ name: string; policyFile: string } & Record<string, unknown>>;
  approval: Record<string, unknown>;
} & Record<string, unknown>;

export type ConfigVariantResult = { problems: readonly string[] } | { settings: ReturnType<typeof toBrokerSettings> };

/**
 * Loads a variant of the example config through the real loader (policy files made absolute, written to
 * a temporary folder that is removed again); returns the loader's problems, or the settings it derives.
 */
export function loadConfigVariant(mutate: (config: RawConfig) => void): ConfigVariantResult {
  const config = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as RawConfig;
  mutate(config);
  config.roles = config.roles.map((r) => ({ ...r, policyFile: join(REPO_ROOT, r.policyFile) }));
  const dir = mkdtempSync(join(tmpdir(), 'jit-config-variant-'));
  try {
    writeFileSync(join(dir, 'jit.config.json'), JSON.stringify(config));
    return { settings: toBrokerSettings(loadJitConfig(join(dir, 'jit.config.json')).config) };
  } catch (error) {
    if (error instanceof ConfigError) return { problems: error.problems };
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The example config with `count` agents (the first the seed's `jit-agent`, then `agent-1`, `agent-2`, ...),
 * loaded through the real loader from a temporary folder that is removed again.
 */
export function loadedConfigWithAgents(count: number): LoadedConfig {
  const config = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as RawConfig;
  config.roles = config.roles.map((r) => ({ ...r, policyFile: join(REPO_ROOT, r.policyFile) }));
  delete config.agent;
  config.agents = Array.from({ length: count }, (_, i) => (i === 0 ? { id: 'default', kind: 'user', name: 'jit-agent' } : { id: `agent-${i}`, kind: 'user' }));
  const dir = mkdtempSync(join(tmpdir(), 'jit-agents-'));
  try {
    writeFileSync(join(dir, 'jit.config.json'), JSON.stringify(config));
    return loadJitConfig(join(dir, 'jit.config.json'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
