import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ConfigNotFoundError, loadJitConfig, resolveConfigPath, toBrokerSettings, userConfigDir } from '../../../infra/config/load-config';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../../helpers/synth';

const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8'));

/** Writes a variant of the example config next to the repo's policy files and loads it. */
function loadVariant(mutate: (config: typeof example) => void): () => unknown {
  const config = structuredClone(example);
  mutate(config);
  config.roles = config.roles.map((r: { policyFile: string }) => ({ ...r, policyFile: r.policyFile.startsWith('/') ? r.policyFile : join(REPO_ROOT, r.policyFile) }));
  const dir = mkdtempSync(join(tmpdir(), 'jit-config-'));
  const file = join(dir, 'jit.config.json');
  writeFileSync(file, JSON.stringify(config));
  return () => loadJitConfig(file);
}

describe('loadJitConfig', () => {
  it('loads the committed example, with every policy file', () => {
    const loaded = loadJitConfig(EXAMPLE_CONFIG);
    expect(loaded.config.accounts.map((a) => a.name)).toEqual(['prod', 'staging']);
    expect([...loaded.policies.keys()]).toEqual(['Ops', 'Deploy', 'Security']);
  });

  it.each([
    ['max minutes over 60', (c: typeof example) => (c.roles[0].maxMinutes = 90), 'roles.0.maxMinutes: must be at most 60 (STS caps a chained role session at one hour). Received: 90'],
    ['a bad approver email', (c: typeof example) => (c.approval.approvers = ['not-an-email']), 'approval.approvers.0: must be an email address. Received: "not-an-email"'],
    ['a duplicate account', (c: typeof example) => c.accounts.push({ id: '222222222222', name: 'prod-again' }), 'accounts.2.id: the same id as accounts.0.id. Received: "222222222222"'],
    ['an unknown policy file', (c: typeof example) => (c.roles[1].policyFile = '/nowhere/deploy.json'), 'roles.1.policyFile: unknown policy file /nowhere/deploy.json (no such file)'],
    ['an unknown role reference', (c: typeof example) => (c.accounts[0].roles = ['Ops', 'Admin']), 'accounts.0.roles: unknown role "Admin" (configured: Ops, Deploy, Security)'],
    ['a short account id', (c: typeof example) => (c.accounts[1].id = '1234'), 'accounts.1.id: must be a 12-digit AWS account id. Received: "1234"'],
    ['default above max', (c: typeof example) => (c.roles[2].defaultMinutes = 45), 'roles.2.defaultMinutes: 45 is more than maxMinutes 5'],
    [
      "a short name that is another role's IAM name",
      (c: typeof example) => (c.roles[1].name = 'AgentElevated-Ops'),
      'roles.1.name: "AgentElevated-Ops" is the IAM role name of roles.0; requests name a role by either',
    ],
    ['an unknown field', (c: typeof example) => (c.hub.acount = '1'), 'hub: Unrecognized key: "acount". Received: {"account":"111111111111","region":"eu-west-1","acount":"1"}'],
    ['max lag too close to the delay', (c: typeof example) => (c.audit.maxLagMinutes = 12), 'audit.maxLagMinutes: must be at least delayMinutes + 3. Received: 12'],
  ])('fails with a message naming the field for %s', (_case, mutate, message) => {
    const load = loadVariant(mutate);
    expect(load).toThrow(ConfigError);
    try {
      load();
    } catch (error) {
      expect((error as ConfigError).problems).toContain(message);
      expect((error as Error).message).toContain('Invalid JIT config');
    }
  });

  it('reports a file that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jit-config-'));
    writeFileSync(join(dir, 'jit.config.json'), '{ nope');
    expect(() => loadJitConfig(join(dir, 'jit.config.json'))).toThrow(/not valid JSON/);
  });
});

describe('resolveConfigPath', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'jit-config-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('prefers JIT_CONFIG, then jit.config.json, then the example, then the user config folder', () => {
    const cwd = tempDir();
    const xdg = tempDir();
    const env = { XDG_CONFIG_HOME: xdg };
    mkdirSync(join(xdg, 'jit'));
    writeFileSync(join(xdg, 'jit', 'jit.config.json'), '{}');
    expect(resolveConfigPath({ ...env, JIT_CONFIG: 'custom.json' }, cwd)).toBe(join(cwd, 'custom.json'));
    expect(resolveConfigPath(env, cwd)).toBe(join(xdg, 'jit', 'jit.config.json'));
    writeFileSync(join(cwd, 'jit.config.example.json'), '{}');
    expect(resolveConfigPath(env, cwd)).toBe(join(cwd, 'jit.config.example.json'));
    writeFileSync(join(cwd, 'jit.config.json'), '{}');
    expect(resolveConfigPath(env, cwd)).toBe(join(cwd, 'jit.config.json'));
  });

  it('uses ~/.config/jit without XDG_CONFIG_HOME', () => {
    expect(userConfigDir({})).toBe(join(homedir(), '.config', 'jit'));
  });

  it('names every place it looked when there is no config', () => {
    const cwd = tempDir();
    const xdg = tempDir();
    expect(() => resolveConfigPath({ XDG_CONFIG_HOME: xdg }, cwd)).toThrow(ConfigNotFoundError);
    expect(() => resolveConfigPath({ XDG_CONFIG_HOME: xdg }, cwd)).toThrow(
      [
        'No jit config found. Looked for, in order:',
        '  - --config <file> or $JIT_CONFIG (not set)',
        `  - ${join(cwd, 'jit.config.json')}`,
        `  - ${join(cwd, 'jit.config.example.json')}`,
        `  - ${join(xdg, 'jit', 'jit.config.json')}`,
      ].join('\n'),
    );
  });
});

describe('toBrokerSettings', () => {
  it("gives each account the roles it allows, with the seed's IAM names and typical durations", () => {
    const settings = toBrokerSettings(loadJitConfig(EXAMPLE_CONFIG).config);
    // The seed's table: Ops 15-30 min, Deploy 30-60 min, Security 5 min.
    expect(settings.accounts[0].roles.map((r) => [r.name, r.iamRoleName, r.defaultMinutes, r.maxMinutes])).toEqual([
      ['Ops', 'AgentElevated-Ops', 15, 30],
      ['Deploy', 'AgentElevated-Deploy', 30, 60],
      ['Security', 'AgentElevated-Security', 5, 5],
    ]);
  });
});
