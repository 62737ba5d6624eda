import { Match } from 'aws-cdk-lib/assertions';
import { FAILED_HAND_OFFS_ALARM_NAME } from '../../../infra/constructs/failed-hand-offs-alarm';
import { slackConfig } from '../../helpers/slack-fixtures';
import { synthApp } from '../../helpers/synth';

type Json = ReturnType<typeof synthApp>['json'];
type Resource = Json['Resources'][string];

function resourcesOf(json: Json, type: string): Array<[string, Resource]> {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}

/** The logical id of the interactions function's on-failure queue (its EventInvokeConfig's destination). */
function failedHandOffsQueueId(json: Json): string {
  const [[, config]] = resourcesOf(json, 'AWS::Lambda::EventInvokeConfig');
  return (config.Properties as { DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': string[] } } } }).DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0]!;
}

describe('BrokerStack: an alarm that reaches a human when a Slack hand-off failed every attempt', () => {
  const { template, json } = synthApp(slackConfig({ alarmEmail: 'platform-oncall@example.com' }));

  it('alarms on ApproximateNumberOfMessagesVisible >= 1 of the FailedHandOffs queue, and publishes to the topic', () => {
    // The metric and its dimension: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
    const alarms = resourcesOf(json, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(1);
    const [topicId] = resourcesOf(json, 'AWS::SNS::Topic').map(([id]) => id);
    expect(alarms[0]![1].Properties).toEqual({
      AlarmName: FAILED_HAND_OFFS_ALARM_NAME,
      AlarmDescription: expect.stringContaining('FailedHandOffs queue'),
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [failedHandOffsQueueId(json), 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId }],
      Tags: [{ Key: 'jit:security', Value: 'true' }],
    });
  });

  it('subscribes approval.slack.alarmEmail to the topic, and names the topic in an output', () => {
    const [topicId] = resourcesOf(json, 'AWS::SNS::Topic').map(([id]) => id);
    template.resourceCountIs('AWS::SNS::Subscription', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'platform-oncall@example.com', TopicArn: { Ref: topicId } });
    template.hasOutput('SlackAlarmTopicArn', { Value: { Ref: topicId } });
  });

  it('encrypts the topic with a key of its own that CloudWatch may use, and lets only this alarm publish, over TLS', () => {
    // CloudWatch alarms cannot publish to a topic under the AWS managed key: https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns
    const [[topicId, topic]] = resourcesOf(json, 'AWS::SNS::Topic');
    const keyId = (topic.Properties as { KmsMasterKeyId: { 'Fn::GetAtt': string[] } }).KmsMasterKeyId['Fn::GetAtt'][0]!;
    expect(topic.Properties).toMatchObject({ Tags: [{ Key: 'jit:security', Value: 'true' }] });
    const key = json.Resources[keyId]!;
    expect(key.Type).toBe('AWS::KMS::Key');
    // Marked, so the ceiling's DenyMarkedKeys keeps elevated sessions off it where the hub is also a target.
    expect(key.Properties).toMatchObject({ EnableKeyRotation: true, Tags: [{ Key: 'jit:security', Value: 'true' }] });
    expect((key.Properties as { KeyPolicy: { Statement: unknown[] } }).KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
    );
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Sid: 'TheFailedHandOffsAlarmPublishes',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topicId },
            Condition: {
              ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:alarm:${FAILED_HAND_OFFS_ALARM_NAME}`]] } },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
          }),
        ]),
      },
    });
  });

  it('keeps the alarm and topic without an address, with no subscription; and adds none of it without approval.slack', () => {
    const bare = synthApp(slackConfig());
    bare.template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    bare.template.resourceCountIs('AWS::SNS::Topic', 1);
    bare.template.resourceCountIs('AWS::SNS::Subscription', 0);
    const plain = synthApp();
    plain.template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    plain.template.resourceCountIs('AWS::SNS::Topic', 0);
  });
});
