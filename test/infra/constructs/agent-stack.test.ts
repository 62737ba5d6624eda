import { App, type NestedStack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AGENTS_IN_BROKER_STACK, type BrokerStack } from '../../../infra/broker-stack';
import { CFN_MAX_RESOURCES_PER_STACK, LAMBDA_MAX_ENVIRONMENT_BYTES } from '../../../infra/aws-limits';
import { MAX_AGENTS } from '../../../infra/config/jit-config';
import { addJitStacks } from '../../../infra/jit-app';
import { AgentStack } from '../../../infra/constructs/agent-stack';
import type { CfnResource } from '../../../sandbox/template/deployed-template';
import { inlineNestedStacks, nestedTemplatesOf } from '../../../sandbox/template/nested-stacks';
import { loadedConfigWithAgents } from '../../helpers/config-variant';

type Json = { Resources: Record<string, CfnResource & { Properties: Record<string, unknown> }> };

/** The broker synthesized (without bundling) from the example config with `count` agents, the first the seed's. */
function brokerWithAgents(count: number): BrokerStack {
  return addJitStacks(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), loadedConfigWithAgents(count)).broker;
}

const templateOf = (stack: BrokerStack | NestedStack) => Template.fromStack(stack).toJSON() as Json;

describe('agents after the tenth (nested stacks)', () => {
  let broker: BrokerStack;
  let parent: Json;
  let nested: Array<{ stack: AgentStack; json: Json }>;
  beforeAll(() => {
    broker = brokerWithAgents(100);
    parent = templateOf(broker);
    nested = broker.node.children.filter((c): c is AgentStack => c instanceof AgentStack).map((stack) => ({ stack, json: templateOf(stack) }));
  }, 300_000);

  it('puts agents 11 to 100 in a nested stack each, named by the agent id', () => {
    expect(nested.map((n) => n.stack.node.id)).toEqual(Array.from({ length: 100 - AGENTS_IN_BROKER_STACK }, (_, i) => `AgentStackAgent${i + AGENTS_IN_BROKER_STACK}`));
    expect(Object.values(parent.Resources).filter((r) => r.Type === 'AWS::CloudFormation::Stack')).toHaveLength(90);
    // The tenth agent's user is still the broker stack's own.
    expect(Object.values(parent.Resources).filter((r) => r.Type === 'AWS::IAM::User')).toHaveLength(AGENTS_IN_BROKER_STACK);
    const nestedTypes = Object.values(nested[0].json.Resources).map((r) => r.Type).sort();
    expect(nestedTypes).toEqual(
      ['AWS::Events::Rule', 'AWS::IAM::Policy', 'AWS::IAM::Policy', 'AWS::IAM::User', 'AWS::SQS::Queue', 'AWS::SQS::QueuePolicy', 'AWS::SecretsManager::ResourcePolicy', 'AWS::SecretsManager::ResourcePolicy', 'AWS::SecretsManager::Secret', 'AWS::SecretsManager::Secret'].sort(),
    );
  });

  it('keeps every stack under CloudFormation\'s 500 resources, printing each count', () => {
    const counts = [{ name: broker.stackName, count: Object.keys(parent.Resources).length }, ...nested.map((n) => ({ name: n.stack.node.id, count: Object.keys(n.json.Resources).length }))];
    process.stdout.write(`resources per stack (100 agents): ${counts[0].name} ${counts[0].count}, nested ${Math.max(...counts.slice(1).map((c) => c.count))} at most\n`);
    for (const { count } of counts) expect(count).toBeLessThan(CFN_MAX_RESOURCES_PER_STACK);
  });

  it('keeps every function environment under Lambda\'s 4 KB, the settings themselves in the bundle', () => {
    const functions = [parent, ...nested.map((n) => n.json)].flatMap((json) => Object.entries(json.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThanOrEqual(9);
    for (const [id, fn] of functions) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      // Intrinsics count as the 256 bytes BrokerFunction's own check gives them.
      const size = Buffer.byteLength(JSON.stringify(variables, (_k, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).some((k) => k === 'Ref' || k.startsWith('Fn::')) ? 'x'.repeat(256) : v)));
      expect({ id, size: size < LAMBDA_MAX_ENVIRONMENT_BYTES }).toEqual({ id, size: true });
    }
    expect(broker.settingsJson).toContain('"agent-99"');
    expect(Buffer.byteLength(broker.settingsJson)).toBeGreaterThan(LAMBDA_MAX_ENVIRONMENT_BYTES);
  });

  it('lets the mint and reset functions write the nested agents\' secrets by their shared name pattern', () => {
    const policies = Object.values(parent.Resources).filter((r) => r.Type === 'AWS::IAM::Policy').map((r) => JSON.stringify(r.Properties.PolicyDocument));
    const writers = policies.filter((doc) => doc.includes('WriteGrantsIntoAccountSecrets') || doc.includes('CompareAndResetAccountSecrets'));
    expect(writers).toHaveLength(2);
    for (const doc of writers) expect(doc).toContain(':secret:agent/*/elevated/*');
  });

  it('inlines the nested stacks into one resource map for the sandbox, parameters resolved', () => {
    const merged = inlineNestedStacks(parent.Resources, nestedTemplatesOf(broker, (n) => templateOf(n as AgentStack)));
    expect(Object.values(merged).filter((r) => r.Type === 'AWS::IAM::User')).toHaveLength(100);
    expect(Object.values(merged).filter((r) => r.Type === 'AWS::CloudFormation::Stack')).toHaveLength(0);
    // No reference is left to a parameter of a nested template or to a resource that is not in the map.
    const refs = JSON.stringify(merged).match(/"Ref":"[^"]+"/g) ?? [];
    for (const ref of refs) {
      const target = ref.slice(7, -1);
      if (!target.startsWith('AWS::')) expect(Object.keys(merged)).toContain(target);
    }
  });

  it(`refuses more than ${MAX_AGENTS} agents`, () => {
    expect(() => brokerWithAgents(MAX_AGENTS + 1)).toThrow(/agents/);
  });
});
