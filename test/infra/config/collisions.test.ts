import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAccount } from '../../../handlers/core/broker-settings';
import { ConfigError, loadJitConfig, toBrokerSettings } from '../../../infra/config/load-config';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../../helpers/synth';

type Config = ReturnType<typeof JSON.parse>;
const example: Config = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8'));
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function load(mutate: (config: Config) => void) {
  const config = structuredClone(example);
  config.roles = config.roles.map((r: { policyFile: string }) => ({ ...r, policyFile: join(REPO_ROOT, r.policyFile) }));
  mutate(config);
  const dir = mkdtempSync(join(tmpdir(), 'jit-config-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'jit.config.json'), JSON.stringify(config));
  return loadJitConfig(join(dir, 'jit.config.json'));
}

function problemsOf(mutate: (config: Config) => void): readonly string[] {
  try {
    load(mutate);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the config loaded');
}

/** The hub account listed as a target too. */
const hubIsATarget = (c: Config) => c.accounts.push({ id: c.hub.account, name: 'hub' });

describe('loadJitConfig: names and ids that could collide', () => {
  it('refuses an account name of 12 digits, which would shadow another account id', () => {
    // Before: the name won, so asking for 333333333333 (staging's id) resolved to prod.
    const shadowing = (c: Config) => (c.accounts[0].name = '333333333333');
    expect(problemsOf(shadowing)).toEqual([
      'accounts.0.name: must not be 12 digits, or it could be taken for an account id (a request for one account would reach another); use a name such as "prod". Received: "333333333333"',
    ]);
  });

  it('resolves every account by id to itself once names cannot be ids', () => {
    const settings = toBrokerSettings(load(() => undefined).config);
    for (const account of settings.accounts) expect(findAccount(settings, account.id)?.id).toBe(account.id);
  });

  it.each([
    ['a duplicate account id', (c: Config) => c.accounts.push({ id: '222222222222', name: 'prod-again' }), 'accounts.2.id: the same id as accounts.0.id. Received: "222222222222"'],
    ['a duplicate account name', (c: Config) => c.accounts.push({ id: '444444444444', name: 'prod' }), 'accounts.2.name: the same name as accounts.0.name. Received: "prod"'],
    ['a duplicate role name', (c: Config) => c.roles.push({ ...c.roles[0], iamRoleName: 'AgentElevated-Ops2' }), 'roles.3.name: the same name as roles.0.name. Received: "Ops"'],
    [
      'IAM role names that differ only in case (IAM names are unique without regard to case)',
      (c: Config) => (c.roles[1].iamRoleName = 'agentelevated-ops'),
      'roles.1.iamRoleName: the same IAM role name as roles.0 (IAM role names are case-insensitive). Received: "agentelevated-ops"',
    ],
    [
      'a default IAM role name that collides with another role’s',
      (c: Config) => c.roles.push({ ...c.roles[0], name: 'OPS', iamRoleName: undefined }, { ...c.roles[0], name: 'ops', iamRoleName: undefined }),
      'roles.4.iamRoleName: the same IAM role name as roles.3 (IAM role names are case-insensitive). Received: "jit-elevated-ops"',
    ],
    [
      'an elevated role named like a broker role',
      (c: Config) => (c.roles[0].iamRoleName = 'jit-audit-reader'),
      'roles.0.iamRoleName: the name of a role the broker deploys; choose another. Received: "jit-audit-reader"',
    ],
    [
      'an elevated role named like a CDK bootstrap role',
      (c: Config) => (c.roles[0].iamRoleName = 'cdk-hnb659fds-deploy-role-222222222222-eu-west-1'),
      'roles.0.iamRoleName: must not start with "cdk-" (the CDK bootstrap roles, which the ceiling keeps read-only). Received: "cdk-hnb659fds-deploy-role-222222222222-eu-west-1"',
    ],
    [
      'an elevated role with the agent’s name',
      (c: Config) => (c.roles[0].iamRoleName = 'jit-agent'),
      'agent.name: "jit-agent" is the name of a broker or elevated role; the agent needs a name of its own',
    ],
  ])('refuses %s', (_, mutate, problem) => {
    expect(problemsOf(mutate)).toContain(problem);
  });
});

describe('loadJitConfig: the hub account as a target', () => {
  it('accepts it with the agent under the protected jit- prefix', () => {
    expect(() => load(hubIsATarget)).not.toThrow();
  });

  it.each([
    ['user', { kind: 'user', name: 'ops-bot' }],
    ['role', { kind: 'role', name: 'ops-bot', trust: { services: ['ec2.amazonaws.com'] } }],
  ])('refuses an agent %s whose name does not start with jit-, which elevated sessions in the hub could change', (_, agent) => {
    expect(
      problemsOf((c) => {
        hubIsATarget(c);
        c.agent = agent;
      }),
    ).toEqual([
      'agent.name: must start with "jit-" when the hub account (111111111111) is also a target (accounts.2): elevated sessions there may not change jit- principals, but could make any other agent name an administrator for good. Received: "ops-bot"',
    ]);
  });

  it('accepts any agent name when the hub is not a target', () => {
    expect(() => load((c) => (c.agent = { kind: 'user', name: 'ops-bot' }))).not.toThrow();
  });
});
