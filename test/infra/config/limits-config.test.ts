import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadJitConfig, toBrokerSettings } from '../../../infra/config/load-config';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../../helpers/synth';

type RawConfig = { roles: { name: string; policyFile: string }[] } & Record<string, unknown>;
const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as RawConfig;

/** Loads a variant of the example config (policy files made absolute); returns its problems, or its settings. */
function load(mutate: (config: RawConfig) => void): { problems: readonly string[] } | { settings: ReturnType<typeof toBrokerSettings> } {
  const config = structuredClone(example);
  mutate(config);
  config.roles = config.roles.map((r) => ({ ...r, policyFile: join(REPO_ROOT, r.policyFile) }));
  const dir = mkdtempSync(join(tmpdir(), 'jit-limits-'));
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

describe('Config: limits', () => {
  it('hands the limits to the functions, a missing field taking its default', () => {
    // Act
    const loaded = load((c) => {
      c.limits = { pendingPerAgent: 3 };
    });

    // Assess
    expect(loaded).toMatchObject({ settings: { requestLimits: { pendingPerAgent: 3, requestsPerHourPerAgent: 20 } } });
  });

  it('leaves the settings without limits when the config has none (Register applies the defaults)', () => {
    const loaded = load(() => undefined);
    expect('settings' in loaded && loaded.settings.requestLimits).toBeUndefined();
  });

  it.each([[{ pendingPerAgent: 0 }], [{ requestsPerHourPerAgent: 1.5 }], [{ perMinute: 3 }]])('refuses %j', (limits) => {
    const loaded = load((c) => {
      c.limits = limits;
    });
    expect(loaded).toMatchObject({ problems: [expect.stringContaining('limits')] });
  });
});
