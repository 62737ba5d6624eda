import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BROKER_EVENT_SOURCE, detailTypeFor } from '../../handlers/core/broker-event';
import { MAX_DELIVERY_RETRY_ATTEMPTS } from '../../handlers/core/delivery-retry';
import { SQS_MAX_RETENTION, SQS_MIN_RETENTION } from '../aws-limits';
import { NOTIFIED_OUTCOMES } from '../../handlers/core/broker-notification';

export interface AgentNotificationsProps {
  /** The broker's bus, where outcomes are published. */
  readonly bus: events.IEventBus;
  /** Fixed name, so the `jit` CLI finds the queue with GetQueueUrl. */
  readonly queueName: string;
  /**
   * How long an outcome waits for the agent to read it. Waiters read within seconds; this covers a
   * wait started a little after the outcome, without letting unread outcomes pile up.
   * @default one hour
   */
  readonly retention?: Duration;
  /**
   * With several agents: only broker events about this agent's requests (their `detail.agentSource`).
   * @default every broker outcome (one agent)
   */
  readonly agentSource?: string;
}

/**
 * The agent's inbox: an SQS queue fed by an EventBridge rule with the broker's outcome events
 * (`jit.broker`, every detail-type but `Elevation Audited`). `jit request --wait`, `jit end` and the MCP
 * server learn an outcome from it within seconds with only the agent's standing permissions. Several
 * waiters share it: each deletes only messages about its own request (handlers/core/broker-notification.ts,
 * cli/agent/notification-inbox.ts).
 */
export class AgentNotifications extends Construct {
  readonly queue: sqs.Queue;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: AgentNotificationsProps) {
    super(scope, id);
    const retention = props.retention ?? Duration.hours(1);
    if (retention.toSeconds() < SQS_MIN_RETENTION.toSeconds() || retention.toSeconds() > SQS_MAX_RETENTION.toSeconds()) {
      throw new Error(`AgentNotifications: retention must be between 60 seconds and 14 days. Received: ${retention.toHumanString()}`);
    }
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: props.queueName,
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: retention,
      // Short: a waiter that receives another request's outcome only hides it from other waiters briefly.
      visibilityTimeout: Duration.seconds(2),
      receiveMessageWaitTime: Duration.seconds(10),
    });
    this.rule = new events.Rule(this, 'Outcomes', {
      eventBus: props.bus,
      description: "Forwards the broker's outcome events to the agent's notification queue",
      eventPattern: {
        source: [BROKER_EVENT_SOURCE],
        detailType: NOTIFIED_OUTCOMES.map((o) => detailTypeFor(o)),
        ...(props.agentSource ? { detail: { agentSource: [props.agentSource] } } : {}),
      },
      // As often as EventBridge allows, within the hour an outcome is worth reading.
      targets: [new targets.SqsQueue(this.queue, { retryAttempts: MAX_DELIVERY_RETRY_ATTEMPTS, maxEventAge: Duration.hours(1) })],
    });
  }
}
