import { NestedStack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { type AgentRef, agentEventSource, agentQueueName } from '../../handlers/core/agents';
import type { AgentConfig } from '../config/jit-config';
import { AccountSecrets } from './account-secrets';
import { AgentIdentity } from './agent-identity';
import { AgentNotifications } from './agent-notifications';

export interface AgentStackProps {
  /** The agent (never the first: the first ten agents live in the broker stack itself). */
  readonly agent: AgentRef;
  readonly config: AgentConfig;
  /** The agent's principal ARN, which its secrets admit as their reader. */
  readonly principalArn: string;
  readonly accountIds: readonly string[];
  /** The broker's fixed role ARNs that write (and read) the grant secrets. */
  readonly secretWriterArns: readonly string[];
  readonly bus: events.IEventBus;
}

/**
 * One agent after the tenth, in a nested stack of its own: its identity, its secret in each account and its
 * notification queue, exactly what the broker stack builds for each of the first ten. Each agent costs
 * 2 x accounts + 6 resources; nested, it costs the broker stack one (CloudFormation's limit of 500
 * resources holds per stack, a nested stack counting as one resource of its parent).
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-nested-stacks.html
 */
export class AgentStack extends NestedStack {
  readonly identity: AgentIdentity;
  readonly secrets: AccountSecrets;
  readonly notifications: AgentNotifications;

  constructor(scope: Construct, id: string, props: AgentStackProps) {
    super(scope, id, { description: `JIT broker: agent ${props.agent.id} (its identity, secrets and notification queue)` });
    this.secrets = new AccountSecrets(this, 'Secrets', {
      accountIds: props.accountIds,
      agents: [{ agent: props.agent, principalArn: props.principalArn }],
      writerArns: props.secretWriterArns,
      readerArns: props.secretWriterArns,
    });
    this.identity = new AgentIdentity(this, 'Agent', {
      agent: props.config,
      secretArnPatterns: this.secrets.secretArnPatternsOf(props.agent),
      bus: props.bus,
      eventSource: agentEventSource(props.agent),
    });
    this.notifications = new AgentNotifications(this, 'Notifications', {
      bus: props.bus,
      queueName: agentQueueName(props.agent),
      agentSource: agentEventSource(props.agent),
    });
    this.identity.grantConsumeNotifications(this.notifications.queue);
  }
}
