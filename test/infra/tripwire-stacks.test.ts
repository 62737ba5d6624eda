import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadJitConfig } from '../../infra/config/load-config';
import { synthApp } from '../helpers/synth';

const tripwires = loadJitConfig(join(__dirname, '..', 'configs', 'tripwires.config.json'));

describe('Tripwire stacks', () => {
  it('GIVEN tripwires WHEN synthesized THEN each target account forwards its broker sessions\' API calls, read-only ones too, to the broker bus as a role', () => {
    // WHEN
    const { stacks } = synthApp(tripwires);
    const target = Template.fromStack([...stacks.targets.values()][0]);

    // THEN
    target.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'default',
      State: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
      EventPattern: { 'detail-type': ['AWS API Call via CloudTrail'], detail: { userIdentity: { sessionContext: { sourceIdentity: [{ prefix: 'jit-' }] } } } },
      Targets: [Match.objectLike({ Id: 'BrokerBus', Arn: Match.anyValue(), RoleArn: Match.anyValue() })],
    });
    target.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'events:PutEvents', Effect: 'Allow', Resource: Match.anyValue() })] },
    });
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

  it('GIVEN no tripwires WHEN synthesized THEN there is no forwarding rule', () => {
    const { stacks } = synthApp();
    const target = Template.fromStack([...stacks.targets.values()][0]);
    target.resourceCountIs('AWS::Events::Rule', 0);
  });
});
