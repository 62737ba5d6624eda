import { join } from 'node:path';
import { assumedRoleSessionArn, brokerBusArn, BROKER_NAMES, TARGET_NAMES } from '../../../handlers/core/resource-names';
import { tripwireRegions } from '../../../handlers/core/tripwire-regions';
import { loadJitConfig } from '../../../infra/config/load-config';
import { evaluate } from '../../helpers/iam-simulator';
import {
  type IamDocument,
  type NamedPolicy,
  arnOf,
  asList,
  identityPoliciesOf,
  managedPolicyNamed,
  prop,
  resolve,
  resourcesOfType,
  synthesizedStack,
  type SynthesizedStack,
} from '../../helpers/iam-template';
import { synthApp } from '../../helpers/synth';

/**
 * Every tripwire forwarder, in every (target account, region) pair: its role may only put events on the
 * broker's bus, and the bus's policy admits it. Cross-account delivery needs both: the sender's identity
 * policy and the receiving bus's resource policy; a bus in another region is a rule target like any other.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html
 */
const loaded = loadJitConfig(join(__dirname, '..', '..', 'configs', 'tripwires.config.json'));
const { hub } = loaded.config;
const { stacks } = synthApp(loaded);
const broker = synthesizedStack(stacks.broker);
const bus = brokerBusArn('aws', hub.account, hub.region);

/** The broker bus's resource policy: every EventBusPolicy statement on it. */
const busPolicy: IamDocument = {
  Version: '2012-10-17',
  Statement: resourcesOfType(broker, 'AWS::Events::EventBusPolicy').map(([, r]) => resolve(prop(r, 'Statement'), broker) as Record<string, unknown>),
};

interface Pair {
  readonly account: string;
  readonly region: string;
  readonly stack: SynthesizedStack;
  readonly roleId: string;
}

/** Each target account's forwarder in each region: the target stack's own, and the forwarder stacks. */
const pairs: Pair[] = [...stacks.targets.values(), ...stacks.tripwireForwarders.values()].map((s) => {
  const stack = synthesizedStack(s);
  const roles = resourcesOfType(stack, 'AWS::IAM::Role').filter(([, r]) => JSON.stringify(prop(r, 'AssumeRolePolicyDocument')).includes('events.amazonaws.com'));
  if (roles.length !== 1) throw new Error(`${stack.name}: expected one forwarder role, found ${roles.length}`);
  return { account: stack.account, region: stack.region, stack, roleId: roles[0][0] };
});

/** The role session EventBridge sends as. */
function sessionOf(pair: Pair): string {
  const roleName = arnOf(pair.stack, pair.roleId, pair.stack.resources[pair.roleId]).split('/').pop() ?? '';
  return assumedRoleSessionArn('aws', pair.account, roleName, 'events-forwarder');
}

describe('Tripwire forwarders: only events:PutEvents on the broker bus, from every account and region', () => {
  it('covers every configured account in every audited region and us-east-1', () => {
    const wanted = loaded.config.accounts.flatMap((a) => tripwireRegions(loaded.config.audit.regions).map((region) => `${a.id}/${region}`));
    expect(pairs.map((p) => `${p.account}/${p.region}`).sort()).toEqual(wanted.sort());
  });

  it.each(pairs.map((p) => [`${p.account}/${p.region}`, p] as const))('%s: the rule sends to the broker bus as its role, which only EventBridge may assume', (_name, pair) => {
    const [, rule] = resourcesOfType(pair.stack, 'AWS::Events::Rule')[0];
    const targets = prop(rule, 'Targets') as Array<{ Arn: unknown; RoleArn: unknown }>;
    expect(targets.map((t) => resolve(t.Arn, pair.stack))).toEqual([bus]);
    expect(resolve(targets[0].RoleArn, pair.stack)).toBe(arnOf(pair.stack, pair.roleId, pair.stack.resources[pair.roleId]));
    const trust = resolve(prop(pair.stack.resources[pair.roleId], 'AssumeRolePolicyDocument'), pair.stack) as IamDocument;
    expect(trust.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' } }]);
  });

  it.each(pairs.map((p) => [`${p.account}/${p.region}`, p] as const))('%s: every Allow of the role is events:PutEvents on the broker bus', (_name, pair) => {
    const statements = identityPoliciesOf(pair.stack, pair.roleId).flatMap((p) => p.policy.Statement);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      expect(asList(statement.Action)).toEqual(['events:PutEvents']);
      expect(asList(statement.Resource)).toEqual([bus]);
    }
  });

  it.each(pairs.map((p) => [`${p.account}/${p.region}`, p] as const))('%s: the broker bus accepts its CloudTrail events; nothing else is allowed', async (_name, pair) => {
    const principal = sessionOf(pair);
    const identityPolicies = identityPoliciesOf(pair.stack, pair.roleId);
    const cloudTrailEvent = { eventSources: ['aws.ec2'], eventDetailTypes: ['AWS API Call via CloudTrail'] };

    // Across accounts both sides must allow: the role's policy and the bus's resource policy.
    await expect(
      evaluate({ principal, action: 'events:PutEvents', resource: bus, resourceAccount: hub.account, request: cloudTrailEvent, identityPolicies, resourcePolicy: busPolicy }),
    ).resolves.toBe('Allowed');
    // Not without the bus policy (so the policy is what admits the account) ...
    await expect(evaluate({ principal, action: 'events:PutEvents', resource: bus, resourceAccount: hub.account, request: cloudTrailEvent, identityPolicies })).resolves.toBe(
      'ImplicitlyDenied',
    );
    // ... and on no other bus: the account's own default bus, a bus of the same name in another region.
    for (const other of [`arn:aws:events:${pair.region}:${pair.account}:event-bus/default`, brokerBusArn('aws', hub.account, 'us-west-2')]) {
      await expect(evaluate({ principal, action: 'events:PutEvents', resource: other, request: cloudTrailEvent, identityPolicies })).resolves.toBe('ImplicitlyDenied');
    }
    // Nothing but PutEvents.
    const others: Array<[string, string]> = [
      ['events:PutRule', `arn:aws:events:${pair.region}:${pair.account}:rule/any`],
      ['events:PutTargets', `arn:aws:events:${pair.region}:${pair.account}:rule/any`],
      ['iam:PassRole', `arn:aws:iam::${pair.account}:role/${BROKER_NAMES.mintRole}`],
      ['sts:AssumeRole', `arn:aws:iam::${hub.account}:role/${BROKER_NAMES.revokeRole}`],
      ['lambda:InvokeFunction', `arn:aws:lambda:${hub.region}:${hub.account}:function:${BROKER_NAMES.revokeFunction}`],
    ];
    for (const [action, resource] of others) await expect(evaluate({ principal, action, resource, identityPolicies })).resolves.toBe('ImplicitlyDenied');
  });

  it('the bus policy admits no account that is not a target', async () => {
    const stranger = assumedRoleSessionArn('aws', '444444444444', 'Forwarder', 'events-forwarder');
    const identityPolicies = [{ name: 'any', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: bus }] } }];
    await expect(
      evaluate({
        principal: stranger,
        action: 'events:PutEvents',
        resource: bus,
        resourceAccount: hub.account,
        request: { eventSources: ['aws.ec2'], eventDetailTypes: ['AWS API Call via CloudTrail'] },
        identityPolicies,
        resourcePolicy: busPolicy,
      }),
    ).resolves.toBe('ImplicitlyDenied');
  });

  it.each(pairs.map((p) => [`${p.account}/${p.region}`, p] as const))('%s: an elevated session, whatever its role allows, may read the forwarding rule but not change, disable or delete it', async (_name, pair) => {
    // Prepare: the ceiling as deployed in the pair's account, over a role that allows everything.
    const target = synthesizedStack([...stacks.targets.values()].find((s) => s.account === pair.account)!);
    const ceiling: NamedPolicy[] = [TARGET_NAMES.denyAlwaysPolicy, TARGET_NAMES.denyDetectionPolicy, TARGET_NAMES.denyBrokerPolicy].map((name) => ({ name, policy: managedPolicyNamed(target, name) }));
    const allowEverything: NamedPolicy = { name: 'AllowEverything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };
    const [ruleId, rule] = resourcesOfType(pair.stack, 'AWS::Events::Rule')[0];
    const ruleArn = arnOf(pair.stack, ruleId, rule);
    const session = assumedRoleSessionArn('aws', pair.account, 'AgentElevated-Ops', 'jit-req-forwarder-0001');
    const as = (action: string) =>
      evaluate({ principal: session, session: { sourceIdentity: 'jit-req-forwarder-0001' }, action, resource: ruleArn, identityPolicies: [allowEverything, ...ceiling] });

    // Act / Assess
    expect(ruleArn).toMatch(new RegExp(`^arn:aws:events:${pair.region}:${pair.account}:rule/JitTarget-`));
    await expect(as('events:DescribeRule')).resolves.toBe('Allowed');
    for (const action of ['events:DeleteRule', 'events:DisableRule', 'events:PutRule', 'events:PutTargets', 'events:RemoveTargets']) await expect(as(action)).resolves.toBe('ExplicitlyDenied');
  });
});
