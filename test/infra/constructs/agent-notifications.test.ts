import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { AgentNotifications } from '../../../infra/constructs/agent-notifications';
import { BROKER_NAMES } from '../../../handlers/core/resource-names';
import { synthApp } from '../../helpers/synth';

describe('AgentNotifications', () => {
  const { template } = synthApp();

  it("forwards the broker's outcomes about the agent's requests (not Audited, not the approvers' Break Glass alert) to an encrypted queue only the agent reads", () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: BROKER_NAMES.notificationQueue,
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 3600,
      VisibilityTimeout: 2,
    });
    const rules = template.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['jit.broker'] } } });
    const [rule] = Object.values(rules);
    const pattern = (rule.Properties as { EventPattern: { 'detail-type': string[] } }).EventPattern;
    expect(pattern['detail-type'].sort()).toEqual(
      [
        'Elevation Pending Approval',
        'Elevation Granted',
        'Elevation Denied',
        'Elevation Approval Expired',
        'Elevation Rejected',
        'Elevation Failed',
        'Elevation Ended',
        'Elevation Revoked',
        'Elevation End Refused',
        'Elevation Refused',
        // A request id reused for a different request: the agent's CLI recognises the refusal by its digest.
        'Elevation Duplicate Refused',
        // The agent's grant got more time (jit extend), or a tripwire ended it.
        'Elevation Extended',
        'Elevation Tripped',
        // Its grant expires in a few minutes (notifications.beforeExpiryMinutes).
        'Elevation Expiring',
      ].sort(),
    );
    // The queue refuses plain HTTP and allows EventBridge to send only from this rule.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' }, Condition: { ArnEquals: Match.anyValue() } }),
        ]),
      },
    });
  });

  it("hands an agent's end request to the revoke function, with the request rule's dead-letter queue", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['jit.agent'], 'detail-type': ['Elevation End Requested'] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EarlyRevokeFunction'), 'Arn'] }, DeadLetterConfig: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: BROKER_NAMES.revokeFunction });
  });

  it('refuses a retention SQS cannot keep, naming the prop', () => {
    const stack = new Stack(new App());
    const bus = new events.EventBus(stack, 'Bus');
    expect(() => new AgentNotifications(stack, 'N', { bus, queueName: 'q', retention: Duration.seconds(30) })).toThrow(
      'AgentNotifications: retention must be between 60 seconds and 14 days. Received: 30 seconds',
    );
    new AgentNotifications(stack, 'Ok', { bus, queueName: 'q2', retention: Duration.hours(2) });
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { QueueName: 'q2', MessageRetentionPeriod: 7200 });
  });
});
