import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { JitStacks } from '../../infra/jit-app';
import { BrokerStack } from '../../infra/broker-stack';
import { inlineNestedStacks, nestedTemplatesOf } from '../../sandbox/template/nested-stacks';
import type { CfnResource, SynthesizedStack } from '../../sandbox/template/deployed-template';

/**
 * Reads IAM policies out of synthesized CloudFormation so a policy simulator can evaluate exactly what
 * would be deployed. The resolution lives in production code (the sandbox builds its callers' policies the
 * same way); this file only turns CDK stacks into its input.
 */
export * from '../../sandbox/template/deployed-template';

export function synthesizedStack(stack: Stack): SynthesizedStack {
  const json = Template.fromStack(stack).toJSON() as { Resources: Record<string, CfnResource> };
  const nested = nestedTemplatesOf(stack, (n) => Template.fromStack(n).toJSON() as { Resources: Record<string, CfnResource> });
  return {
    name: stack.stackName,
    account: stack.account,
    region: stack.region,
    resources: inlineNestedStacks(json.Resources, nested),
    ...(stack instanceof BrokerStack ? { settings: stack.settingsJson } : {}),
  };
}

export function synthesizedStacks(stacks: JitStacks): SynthesizedStack[] {
  return [stacks.broker, ...stacks.targets.values()].map(synthesizedStack);
}
