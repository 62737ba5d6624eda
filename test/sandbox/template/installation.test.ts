import { synthesizeInstallation } from '../../../sandbox/template/installation';
import { settingsDigest } from '../../../handlers/core/function-environment';
import { loadedConfigWithAgents } from '../../helpers/config-variant';

describe('synthesizing the installation for the sandbox', () => {
  it('inlines the nested stacks of the agents after the tenth, read from the cloud assembly, and keeps the settings', () => {
    const { broker } = synthesizeInstallation(loadedConfigWithAgents(12));
    const resources = Object.values(broker.resources);
    expect(resources.filter((r) => r.Type === 'AWS::CloudFormation::Stack')).toEqual([]);
    const users = resources.filter((r) => r.Type === 'AWS::IAM::User').map((r) => r.Properties?.UserName);
    expect(users).toEqual(expect.arrayContaining(['jit-agent', 'jit-agent-agent-9', 'jit-agent-agent-10', 'jit-agent-agent-11']));
    expect(users).toHaveLength(12);
    const secrets = resources.filter((r) => r.Type === 'AWS::SecretsManager::Secret').map((r) => r.Properties?.Name);
    expect(secrets).toEqual(expect.arrayContaining(['agent/agent-11/elevated/222222222222', 'agent/agent-11/elevated/333333333333']));
    // The nested agent's rule is on the broker's own bus: the parameter became the parent's reference.
    const nestedRules = Object.entries(broker.resources).filter(([id, r]) => id.startsWith('AgentStackAgent11') && r.Type === 'AWS::Events::Rule');
    expect(nestedRules).toHaveLength(1);
    expect(JSON.stringify(nestedRules[0][1].Properties?.EventBusName)).toMatch(/"Ref":"Bus[0-9A-F]+"/);
    // Every broker function's digest names the settings the sandbox hands it.
    const digests = resources.filter((r) => r.Type === 'AWS::Lambda::Function').map((r) => (r.Properties?.Environment as { Variables: Record<string, unknown> }).Variables.JIT_SETTINGS_SHA256).filter((d) => d !== undefined);
    expect(digests.length).toBeGreaterThanOrEqual(7);
    expect(new Set(digests)).toEqual(new Set([settingsDigest(broker.settings!)]));
  }, 300_000);
});
