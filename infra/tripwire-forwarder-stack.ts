import { Aws, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { AccountConfig } from './config/jit-config';
import type { LoadedConfig } from './config/load-config';
import { TripwireForwarder } from './constructs/tripwire-forwarder';
import { brokerBusArn } from '../handlers/core/resource-names';

export interface TripwireForwarderStackProps extends StackProps {
  /** The validated operator config; it must configure `tripwires`. */
  readonly config: LoadedConfig;
  /** The target account whose calls this stack forwards; `env.account` must be its id. */
  readonly account: AccountConfig;
  /** The region whose calls this stack forwards; `env.region` must be it. */
  readonly region: string;
}

/**
 * One target account's tripwire forwarder in one region other than its target stack's: the rule on that
 * region's default bus and the role it sends with, nothing else. CloudTrail puts a call on the default bus
 * of the region it was made in (IAM's and other global services' in us-east-1), so the target stack's own
 * rule sees its region only; infra/jit-app.ts adds one of these per audited region and us-east-1.
 * EventBridge delivers to a bus in another account and region as a rule target, sent as a role.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html
 */
export class TripwireForwarderStack extends Stack {
  readonly forwarder: TripwireForwarder;
  /** The configured name of the account this stack forwards for. */
  readonly accountName: string;
  readonly forwardedRegion: string;

  constructor(scope: Construct, id: string, props: TripwireForwarderStackProps) {
    super(scope, id, props);
    const { config } = props.config;
    if (!config.tripwires) throw new Error('TripwireForwarderStack: the config has no tripwires.');
    if (props.env?.account !== undefined && props.env.account !== props.account.id) {
      throw new Error(`TripwireForwarderStack: env.account must be the target account ${props.account.id}. Received: ${props.env.account}`);
    }
    if (props.env?.region !== undefined && props.env.region !== props.region) {
      throw new Error(`TripwireForwarderStack: env.region must be the forwarded region ${props.region}. Received: ${props.env.region}`);
    }
    this.accountName = props.account.name;
    this.forwardedRegion = props.region;
    // The same construct and logical IDs as in the target stack, so every forwarder reads alike.
    this.forwarder = new TripwireForwarder(this, 'TripwireForwarder', {
      brokerBusArn: brokerBusArn(Aws.PARTITION, config.hub.account, config.hub.region),
      readOnlyEvents: config.tripwires.readOnlyEvents,
    });
  }
}
