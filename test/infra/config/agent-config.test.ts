import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, agentPrincipalArn, loadJitConfig } from '../../../infra/config/load-config';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../../helpers/synth';

const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8'));
const ANCHOR = 'arn:aws:rolesanywhere:eu-west-1:111111111111:trust-anchor/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function load(agent: unknown) {
  const config = structuredClone(example);
  if (agent === undefined) delete config.agent;
  else config.agent = agent;
  config.roles = config.roles.map((r: { policyFile: string }) => ({ ...r, policyFile: join(REPO_ROOT, r.policyFile) }));
  const dir = mkdtempSync(join(tmpdir(), 'jit-config-'));
  dirs.push(dir);
  const file = join(dir, 'jit.config.json');
  writeFileSync(file, JSON.stringify(config));
  return loadJitConfig(file);
}

function problemsOf(agent: unknown): readonly string[] {
  try {
    load(agent);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the config loaded');
}

describe('loadJitConfig: agent', () => {
  it('defaults to an IAM user named jit-agent, the seed’s way', () => {
    const { config } = load(undefined);
    expect(config.agent).toEqual({ kind: 'user' });
    expect(agentPrincipalArn(config.agent, 'aws', '111111111111')).toBe('arn:aws:iam::111111111111:user/jit-agent');
  });

  it('accepts a role trusted by a service, a role and Roles Anywhere', () => {
    const { config } = load({
      kind: 'role',
      name: 'ops-bot',
      trust: {
        services: ['ec2.amazonaws.com'],
        principals: ['arn:aws:iam::444444444444:role/ci/agent-runner'],
        rolesAnywhere: { trustAnchorArns: [ANCHOR], certificateCommonName: 'ops-bot' },
      },
    });
    expect(agentPrincipalArn(config.agent, 'aws', '111111111111')).toBe('arn:aws:iam::111111111111:role/ops-bot');
  });

  it.each([
    ['a role without any trust', { kind: 'role', trust: {} }, 'agent.trust: must name at least one of services, principals or rolesAnywhere. Received: {}'],
    [
      'an account root as trusted principal',
      { kind: 'role', trust: { principals: ['arn:aws:iam::444444444444:root'] } },
      'agent.trust.principals.0: must be the ARN of an IAM role or user (not an account root). Received: "arn:aws:iam::444444444444:root"',
    ],
    [
      'a made-up service principal',
      { kind: 'role', trust: { services: ['ec2'] } },
      'agent.trust.services.0: must be a service principal such as ec2.amazonaws.com. Received: "ec2"',
    ],
    ['an unknown kind', { kind: 'group' }, `agent.kind: Invalid discriminator value. Expected 'user' | 'role'. Received: "group"`],
  ])('refuses %s', (_case, agent, message) => {
    expect(problemsOf(agent)).toContain(message);
  });

  it.each([
    ['a broker role name', { kind: 'user', name: 'jit-broker-mint' }, 'agent.name: "jit-broker-mint" is the name of a broker or elevated role'],
    ['an elevated role name', { kind: 'role', name: 'AgentElevated-Ops', trust: { services: ['ec2.amazonaws.com'] } }, 'agent.name: "AgentElevated-Ops"'],
    [
      'trust in a broker role',
      { kind: 'role', trust: { principals: ['arn:aws:iam::111111111111:role/jit-broker-mint'] } },
      'agent.trust.principals.0: arn:aws:iam::111111111111:role/jit-broker-mint is a broker role or the agent itself',
    ],
    [
      'trust in an elevated role of a target account',
      { kind: 'role', trust: { principals: ['arn:aws:iam::222222222222:role/AgentElevated-Security'] } },
      'is an elevated role; an elevated session must not become the agent',
    ],
    [
      'a trust anchor in another account',
      { kind: 'role', trust: { rolesAnywhere: { trustAnchorArns: [ANCHOR.replace('111111111111', '444444444444')] } } },
      'is not in the hub account 111111111111',
    ],
  ])('refuses %s', (_case, agent, message) => {
    expect(problemsOf(agent).join('\n')).toContain(message);
  });
});
