import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadJitConfig, toBrokerSettings } from '../../../infra/config/load-config';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../../helpers/synth';

type RawConfig = { roles: { name: string; policyFile: string; narrowerThan?: string[] }[] } & Record<string, unknown>;
const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as RawConfig;

/** Loads a variant of the example config (policy files made absolute); returns its problems, or its settings. */
function load(mutate: (config: RawConfig) => void): { problems: readonly string[] } | { settings: ReturnType<typeof toBrokerSettings> } {
  const config = structuredClone(example);
  mutate(config);
  config.roles = config.roles.map((r) => ({ ...r, policyFile: join(REPO_ROOT, r.policyFile) }));
  const dir = mkdtempSync(join(tmpdir(), 'jit-role-order-'));
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

describe('Config: roles[].narrowerThan', () => {
  it('hands the declared order to the functions; the example declares none (no seed role is a subset of another)', () => {
    const loaded = load((c) => {
      c.roles[0].narrowerThan = ['Security'];
    });

    expect(loaded).toEqual({ settings: expect.objectContaining({ roleOrder: { Ops: ['Security'] } }) });
    expect(load(() => undefined)).toEqual({ settings: expect.not.objectContaining({ roleOrder: expect.anything() }) });
  });

  it.each([
    ['an unknown role', (c: RawConfig) => (c.roles[0].narrowerThan = ['Admin']), 'roles.0.narrowerThan: unknown role "Admin" (configured: Ops, Deploy, Security)'],
    ['the role itself', (c: RawConfig) => (c.roles[1].narrowerThan = ['Deploy']), 'roles.1.narrowerThan: names the role itself; a role cannot be narrower than itself'],
    [
      'a cycle',
      (c: RawConfig) => {
        c.roles[0].narrowerThan = ['Deploy'];
        c.roles[1].narrowerThan = ['Ops'];
      },
      'roles.0.narrowerThan: makes a cycle: through Deploy, Ops the role ends up narrower than itself',
    ],
  ])('refuses %s, naming the field', (_case, mutate, message) => {
    expect(load(mutate)).toEqual({ problems: expect.arrayContaining([message]) });
  });
});
