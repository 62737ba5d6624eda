import { Aws, CfnOutput, Duration, RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CEILING_TAGS } from '../../handlers/core/resource-names';

/** The alarm's fixed name: the topic policy names it, and an operator finds it by it. */
export const FAILED_HAND_OFFS_ALARM_NAME = 'JitBroker-SlackFailedHandOffs';

export interface FailedHandOffsAlarmProps {
  /** The interactions function's on-failure destination. */
  readonly queue: sqs.IQueue;
  /** `approval.slack.alarmEmail`: an address subscribed to the topic (it must confirm the subscription). */
  readonly email?: string;
}

/**
 * Tells a human when a Slack hand-off (or a prompt settling) failed every attempt and landed on the
 * `FailedHandOffs` queue: a CloudWatch alarm on the queue's `ApproximateNumberOfMessagesVisible` at 1 or
 * more, whose action publishes to an SNS topic the operator subscribes to (`approval.slack.alarmEmail`, or
 * any endpoint on the `SlackAlarmTopicArn` output). Nothing reads the queue but the operator, so one
 * message is already worth a look; a quiet queue SQS reports no data for is not an alarm.
 *
 * The topic is encrypted with a key of its own: CloudWatch alarms cannot publish to a topic encrypted with
 * the AWS managed key `alias/aws/sns`, whose policy cannot be changed to let them
 * (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns). The topic policy lets CloudWatch
 * publish for this alarm only (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger).
 *
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
 */
export class FailedHandOffsAlarm extends Construct {
  readonly alarm: cloudwatch.Alarm;
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: FailedHandOffsAlarmProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the Slack failed hand-offs alarm topic; CloudWatch alarms may use it to publish',
      enableKeyRotation: true,
      // It protects alarm notifications in transit only; nothing is lost with it.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'JIT broker: Slack hand-offs failed',
      masterKey: this.key,
      enforceSSL: true,
    });
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));

    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmName: FAILED_HAND_OFFS_ALARM_NAME,
      alarmDescription:
        'A Slack press (or a prompt update) failed every attempt and is on the FailedHandOffs queue: nothing was decided for it. See docs/slack.md (Limits) and docs/deploy.md.',
      // Maximum over five minutes: one message that stays on the queue is seen.
      metric: props.queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(5) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // SQS reports its metrics only while the queue is active (the metrics page above): no data is a quiet, empty queue.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new SnsAction(this.topic));
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'TheFailedHandOffsAlarmPublishes',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${FAILED_HAND_OFFS_ALARM_NAME}` },
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        },
      }),
    );
    // A security control no elevated session may change where the hub is also a target (the ceiling's
    // DenyChangesToMarkedSecurityControls for the topic and alarm, DenyMarkedKeys for the key; docs/security-model.md).
    Tags.of(this.key).add(CEILING_TAGS.security, 'true');
    Tags.of(this.topic).add(CEILING_TAGS.security, 'true');
    Tags.of(this.alarm).add(CEILING_TAGS.security, 'true');
    new CfnOutput(this, 'TopicArn', { key: 'SlackAlarmTopicArn', value: this.topic.topicArn, description: 'Subscribe to hear of Slack hand-offs that failed' });
  }
}
