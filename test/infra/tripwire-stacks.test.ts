import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadJitConfig } from '../../infra/config/load-config';
import { tripwireStackName } from '../../handlers/core/resource-names';
import { synthApp } from '../helpers/synth';

const tripwires = loadJitConfig(join(__dirname, '..', 'configs', 'tripwires.config.json'));
const HUB_REGION = tripwires.config.hub.region;

/** The forwarding rule and role as every forwarder has them, in the target stack or a stack of its own. */
function expectForwarder(template: Template): void {
  template.hasResourceProperties('AWS::Events::Rule', {
    EventBusName: 'default',
    State: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
    EventPattern: { 'detail-type': ['AWS API Call via CloudTrail'], detail: { userIdentity: { sessionContext: { sourceIdentity: [{ prefix: 'jit-' }] } } } },
    Targets: [Match.objectLike({ Id: 'BrokerBus', Arn: Match.anyValue(), RoleArn: Match.anyValue() })],
  });
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: [Match.objectLike({ Action: 'events:PutEvents', Effect: 'Allow', Resource: Match.anyValue() })] },
  });
}

describe('Tripwire stacks', () => {
  it('GIVEN tripwires WHEN synthesized THEN each target account forwards its broker sessions\' API calls, read-only ones too, to the broker bus as a role', () => {
    // WHEN
    const { stacks } = synthApp(tripwires);
    const target = Template.fromStack([...stacks.targets.values()][0]);

    // THEN
    expectForwarder(target);
  });

  it('GIVEN tripwires WHEN synthesized THEN the target stack keeps the logical IDs its forwarder always had, so an upgrade replaces nothing', () => {
    const { stacks } = synthApp(tripwires);
    const target = Template.fromStack([...stacks.targets.values()][0]).toJSON() as { Resources: Record<string, { Type: string }> };
    const ids = Object.entries(target.Resources)
      .filter(([, r]) => r.Type === 'AWS::Events::Rule' || (r.Type.startsWith('AWS::IAM::') && JSON.stringify(r).includes('events.amazonaws.com')))
      .map(([id]) => id);
    // The IDs of the release that put the forwarder into the target stack (construct path TripwireForwarder/Rule, /Role).
    expect(ids.sort()).toEqual(['TripwireForwarderRole40E9FC1D', 'TripwireForwarderRule0838238F']);
  });

  it('GIVEN tripwires and a second audited region WHEN synthesized THEN every target account has a forwarder stack in that region and in us-east-1, and none in its own region', () => {
    // WHEN
    const { stacks } = synthApp(tripwires);

    // THEN: one stack per (account, region) other than the target stack's, each in its account and region.
    const expected = tripwires.config.accounts.flatMap((account) =>
      ['eu-central-1', 'us-east-1'].map((region) => ({ name: tripwireStackName(account.name, region), account: account.id, region })),
    );
    expect([...stacks.tripwireForwarders.values()].map((s) => ({ name: s.stackName, account: s.account, region: s.region }))).toEqual(expected);
    expect([...stacks.tripwireForwarders.keys()].some((name) => name.endsWith(HUB_REGION))).toBe(false);
    for (const stack of stacks.tripwireForwarders.values()) {
      expectForwarder(Template.fromStack(stack));
      // Only the rule, its role and the role's policy (no other resource to review).
      const types = Object.values((Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string }> }).Resources).map((r) => r.Type);
      expect(types.sort()).toEqual(['AWS::Events::Rule', 'AWS::IAM::Policy', 'AWS::IAM::Role']);
      // Deployed after the broker, whose bus policy admits the account.
      expect(stack.dependencies.map((d) => d.stackName)).toEqual(['JitBroker']);
    }
  });

  it('GIVEN tripwires WHEN synthesized THEN the broker bus admits PutEvents from the configured accounts only and hands their calls to the revoke function', () => {
    const { stacks } = synthApp(tripwires);
    const broker = Template.fromStack(stacks.broker);
    const accounts = [...new Set(tripwires.config.accounts.map((a) => a.id))];

    broker.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({ Sid: Match.stringLikeRegexp('TripwireEventsFromTheTargetAccounts'), Action: 'events:PutEvents', Effect: 'Allow' }),
    });
    broker.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['AWS API Call via CloudTrail'], account: accounts, detail: Match.anyValue() },
    });
  });

  it('GIVEN no tripwires WHEN synthesized THEN there is no forwarding rule and no forwarder stack', () => {
    const withoutTripwires = synthApp({ ...tripwires, config: { ...tripwires.config, tripwires: undefined } });
    const target = Template.fromStack([...withoutTripwires.stacks.targets.values()][0]);
    target.resourceCountIs('AWS::Events::Rule', 0);
    expect(withoutTripwires.stacks.tripwireForwarders.size).toBe(0);
  });
});
