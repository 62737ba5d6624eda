import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, agentsOf, loadJitConfig, toBrokerSettings } from '../../../infra/config/load-config';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../../helpers/synth';

const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'jit-agents-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function load(change: (config: Record<string, unknown>) => void) {
  const config = structuredClone(example);
  config.roles = config.roles.map((r: { policyFile: string }) => ({ ...r, policyFile: join(REPO_ROOT, r.policyFile) }));
  change(config);
  const file = join(dir, `jit.config.${(n += 1)}.json`);
  writeFileSync(file, JSON.stringify(config));
  return loadJitConfig(file);
}

function problemsOf(change: (config: Record<string, unknown>) => void): string {
  try {
    load(change);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  throw new Error('the config loaded');
}

const twoAgents = (config: Record<string, unknown>) => {
  delete config.agent;
  config.agents = [
    { id: 'claude', kind: 'user' },
    { id: 'ops-bot', kind: 'role', trust: { services: ['ecs-tasks.amazonaws.com'] } },
  ];
};

describe('loadJitConfig: agents', () => {
  it('reads today’s single agent as one agent with id default', () => {
    const { config } = load(() => undefined);
    expect(agentsOf(config)).toEqual([{ id: 'default', kind: 'user', name: 'jit-agent' }]);
    expect(toBrokerSettings(config).agents).toEqual([{ id: 'default', name: 'jit-agent' }]);
  });

  it('names the first agent jit-agent and the others jit-agent-<id>, and makes agent the first', () => {
    const { config } = load(twoAgents);
    expect(agentsOf(config).map((a) => [a.id, a.kind, a.name])).toEqual([
      ['claude', 'user', 'jit-agent'],
      ['ops-bot', 'role', 'jit-agent-ops-bot'],
    ]);
    expect(config.agent).toEqual({ kind: 'user', name: 'jit-agent' });
    expect(toBrokerSettings(config).agents).toEqual([
      { id: 'claude', name: 'jit-agent' },
      { id: 'ops-bot', name: 'jit-agent-ops-bot' },
    ]);
  });

  it('refuses agent and agents together', () => {
    expect(problemsOf((c) => (twoAgents(c), (c.agent = { kind: 'user' })))).toContain('agents: not together with agent');
  });

  it('refuses two agents with one id or one IAM name', () => {
    expect(
      problemsOf((c) => {
        c.agents = [
          { id: 'bot', kind: 'user', name: 'jit-bot' },
          { id: 'bot', kind: 'user', name: 'JIT-BOT' },
        ];
        delete c.agent;
      }),
    ).toMatch(/agents\.1\.id: the same id as agents\.0\.id[\s\S]*agents\.1\.name: the same IAM name as agents\.0/);
  });

  it('refuses an id that cannot be part of a secret name, event source and queue name', () => {
    expect(
      problemsOf((c) => {
        delete c.agent;
        c.agents = [{ id: 'Ops_Bot', kind: 'user' }];
      }),
    ).toContain('agents.0.id: must be a lower-case letter');
  });

  it('refuses an agent that trusts another agent', () => {
    expect(
      problemsOf((c) => {
        delete c.agent;
        c.agents = [
          { id: 'claude', kind: 'user' },
          { id: 'ops-bot', kind: 'role', trust: { principals: ['arn:aws:iam::111111111111:user/jit-agent'] } },
        ];
      }),
    ).toContain('agents.1.trust.principals.0: arn:aws:iam::111111111111:user/jit-agent is a broker role or the agent itself, or another agent');
  });
});
