import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { AccountSecrets } from './account-secrets';
import { BrokerFunction } from './broker-function';

export interface ResetFunctionProps {
  /** Fixed name of the function's role, which the secrets' resource policies allow to write. */
  readonly roleName: string;
  /** The account secrets it resets. */
  readonly secrets: AccountSecrets;
  /** Secrets beyond \`secrets\`, by ARN or ARN pattern (the nested agents' secrets). @default none */
  readonly moreSecretArns?: readonly string[];
  /** The broker's bus, for `Elevation Ended` when the safety-net schedule is the one that resets. */
  readonly bus: events.IEventBus;
}

/**
 * Reset: puts an account secret back to the placeholder if it still holds the given grant. Called by the
 * workflow at expiry and after a failed mint, by the one-time safety-net schedule, and by revoke; the only
 * writer of the placeholder.
 */
export class ResetFunction extends BrokerFunction<'reset'> {
  constructor(scope: Construct, id: string, props: ResetFunctionProps) {
    super(scope, id, {
      entry: 'reset',
      roleName: props.roleName,
      description: 'Resets an account secret to the placeholder if it still holds the given grant',
      environment: { eventBusName: props.bus.eventBusName },
    });
    // By hand: Secret.grantWrite would add secretsmanager:UpdateSecret (which changes the secret's KMS key
    // and description) and lacks DescribeSecret. The reset never reads a credential: DescribeSecret tells
    // which grant is current, and moving AWSCURRENT with UpdateSecretVersionStage is the compare-and-swap.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'CompareAndResetAccountSecrets',
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        resources: [...props.secrets.secretArns, ...(props.moreSecretArns ?? [])],
      }),
    );
    props.bus.grantPutEventsTo(this.role);
  }
}
