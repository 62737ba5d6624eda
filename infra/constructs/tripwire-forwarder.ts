import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { SOURCE_IDENTITY_PREFIX } from '../../handlers/core/grant-window';
import { CLOUDTRAIL_API_CALL } from '../../handlers/core/tripwire';

/**
 * The event pattern of the tripwire rules on both sides: CloudTrail API-call events of sessions whose
 * source identity is a broker's (`jit-<requestId>`), as `userIdentity.sessionContext.sourceIdentity` holds it.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-prefix-matching
 */
export function tripwireEventPattern(accounts?: readonly string[]): Record<string, unknown> {
  return {
    'detail-type': [CLOUDTRAIL_API_CALL],
    ...(accounts ? { account: [...accounts] } : {}),
    detail: { userIdentity: { sessionContext: { sourceIdentity: [{ prefix: SOURCE_IDENTITY_PREFIX }] } } },
  };
}

export interface TripwireForwarderProps {
  /** ARN of the broker's bus in the hub account. */
  readonly brokerBusArn: string;
  /**
   * Forward read-only management events too (rule state `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`);
   * otherwise EventBridge matches none of them.
   * @default true
   */
  readonly readOnlyEvents?: boolean;
}

/**
 * The target account's side of the tripwires: a rule on this region's default bus that sends the broker
 * sessions' CloudTrail API-call events to the broker's bus in the hub account, as a role EventBridge
 * assumes (AWS recommends a role whenever an event bus is the target). CloudTrail delivers an account's API
 * calls to the default bus of the region the call was made in, so each audited region needs this rule
 * (global services such as IAM: us-east-1); docs/security-model.md#tripwires.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail-management.html
 */
export class TripwireForwarder extends Construct {
  readonly role: iam.Role;
  readonly rule: events.CfnRule;

  constructor(scope: Construct, id: string, props: TripwireForwarderProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: "Lets this account's default event bus send the broker sessions' API calls to the JIT broker's bus",
    });
    this.role.addToPolicy(new iam.PolicyStatement({ sid: 'PutEventsOnTheBrokerBusOnly', actions: ['events:PutEvents'], resources: [props.brokerBusArn] }));
    this.rule = new events.CfnRule(this, 'Rule', {
      description: "Forwards the JIT broker sessions' CloudTrail API calls to the broker's bus (tripwires)",
      eventBusName: 'default',
      // Without this state EventBridge matches no read-only management event delivered through CloudTrail.
      state: props.readOnlyEvents === false ? 'ENABLED' : 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
      eventPattern: tripwireEventPattern(),
      targets: [{ id: 'BrokerBus', arn: props.brokerBusArn, roleArn: this.role.roleArn }],
    });
  }
}
