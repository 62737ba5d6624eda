import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { BROKER_EVENT_SOURCE, detailTypeFor } from '../../handlers/core/broker-event';
import { PROMPT_SETTLING_OUTCOMES } from '../../handlers/core/recorded-prompt-outcome';
import { Construct } from 'constructs';
import { REPLAY_KEY, REPLAY_TTL_ATTRIBUTE } from '../../handlers/adapters/aws/dynamodb-replay-guard';
import { BROKER_NAMES } from '../../handlers/core/resource-names';
import { BrokerFunction } from './broker-function';
import { FailedHandOffsAlarm } from './failed-hand-offs-alarm';
import { sendAsSenderStatement } from './send-as-sender-statement';

/** Where Slack sends button presses, on the approval API: the app's Interactivity Request URL. */
export const SLACK_INTERACTIONS_PATH = '/slack/interactions';

export interface SlackInteractionsProps {
  /** The approval API the route is added to. */
  readonly api: apigwv2.HttpApi;
  /** The broker settings as JSON (bundled as `jit-settings.json`), with `slack` set. */
  readonly settingsJson: string;
  /** The request table: the function reads requests and claims decisions in it. */
  readonly table: dynamodb.ITable;
  /** The broker's bus, for `Elevation Approver Refused`. */
  readonly bus: events.IEventBus;
  /** Address the confirmation emails are sent from (a verified SES identity). */
  readonly sender: string;
  /** Name of the operator's Slack secret (`approval.slack.secretName`). */
  readonly secretName: string;
  /** `approval.slack.alarmEmail`: subscribed to the failed hand-offs alarm's topic. */
  readonly alarmEmail?: string;
}

/**
 * Slack approvals' receiving end: `POST /slack/interactions` on the approval API, a function that
 * verifies Slack's signature and decides through the same single-use claim as the review page, and a
 * small table of requests already received, so a captured request cannot be replayed within its
 * five minutes. The function may read the Slack secret, never write it.
 */
/** The interactions function's memory, hence its CPU: a cold start must still answer within Slack's 3 s. */
export const SLACK_INTERACTIONS_MEMORY_MB = 1024;

export class SlackInteractions extends Construct {
  readonly handler: BrokerFunction<'slack-interactions'>;
  readonly presses: dynamodb.Table;
  /** Hand-offs (and window-end closings) that failed every attempt, kept for the operator (docs/slack.md). */
  readonly failedHandOffs: sqs.Queue;
  /** Tells a human when anything lands on `failedHandOffs`. */
  readonly failedHandOffsAlarm: FailedHandOffsAlarm;

  constructor(scope: Construct, id: string, props: SlackInteractionsProps) {
    super(scope, id);
    this.presses = new dynamodb.Table(this, 'Presses', {
      partitionKey: { name: REPLAY_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: REPLAY_TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Entries live ten minutes at most; nothing is lost with the table.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.handler = new BrokerFunction(this, 'Handler', {
      entry: 'slack-interactions',
      functionName: BROKER_NAMES.slackInteractionsFunction,
      description: 'Verifies Slack button presses and records the single decision',
      // API Gateway waits at most 30 s; Slack shows an error after 3 s: the answer comes before the decision.
      timeout: Duration.seconds(15),
      // A cold start answers Slack too. Lambda gives CPU in proportion to memory (one vCPU at 1,769 MB); at
      // the broker's 256 MB, loading and the first answer took an estimated 1.5 s of Slack's 3 (bench/cold-start.ts,
      // docs/performance.md). https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
      memorySize: SLACK_INTERACTIONS_MEMORY_MB,
      environment: {
        settings: props.settingsJson,
        requestTable: props.table.tableName,
        eventBusName: props.bus.eventBusName,
        slackPressTable: this.presses.tableName,
        slackInteractionsFunction: BROKER_NAMES.slackInteractionsFunction,
      },
    });
    // Lambda retries a failed asynchronous invocation twice and then discards the event unless it has an
    // on-failure destination. A press still queued after an hour goes there instead of deciding late (an
    // approval window may be longer; the approver can press again while it is open).
    // https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
    this.failedHandOffs = new sqs.Queue(this, 'FailedHandOffs', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.handler.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new SqsDestination(this.failedHandOffs),
    });
    this.failedHandOffsAlarm = new FailedHandOffsAlarm(this, 'FailedHandOffsAlarm', {
      queue: this.failedHandOffs,
      ...(props.alarmEmail ? { email: props.alarmEmail } : {}),
    });
    const role = this.handler.role;
    iam.Grant.addToPrincipal({ grantee: role, actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resourceArns: [props.table.tableArn] });
    iam.Grant.addToPrincipal({ grantee: role, actions: ['dynamodb:PutItem'], resourceArns: [this.presses.tableArn] });
    props.bus.grantPutEventsTo(role);
    // It hands each accepted press to itself asynchronously: InvokeFunction on itself only, its ARN built
    // from the fixed name (the function's own ARN attribute would make the role depend on the function).
    // https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'HandPressesToItself',
        actions: ['lambda:InvokeFunction'],
        resources: [`arn:${Aws.PARTITION}:lambda:${Aws.REGION}:${Aws.ACCOUNT_ID}:function:${BROKER_NAMES.slackInteractionsFunction}`],
      }),
    );
    role.addToPolicy(slackSecretReadStatement('ReadTheSlackSecret', props.secretName));
    role.addToPolicy(sendAsSenderStatement('SendConfirmationEmailAsTheBrokerOnly', props.sender));
    // A decision made outside Slack (review page, jit approve/deny, rule, break-glass) or the window's end
    // reaches every posted prompt: the function re-reads the request and settles each copy (docs/slack.md).
    // EventBridge may deliver an event more than once: settling is idempotent.
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html
    new events.Rule(this, 'DecisionsOutsideSlack', {
      eventBus: props.bus,
      description: 'Settles the Slack prompts of a request decided, or ended, outside Slack',
      eventPattern: { source: [BROKER_EVENT_SOURCE], detailType: PROMPT_SETTLING_OUTCOMES.map((o) => detailTypeFor(o)) },
      targets: [new targets.LambdaFunction(this.handler.function)],
    });
    props.api.addRoutes({
      path: SLACK_INTERACTIONS_PATH,
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('SlackInteractions', this.handler.function),
    });
  }
}

/**
 * `secretsmanager:GetSecretValue` on the operator's Slack secret only. Secret ARNs end in `-` and six
 * random characters, hence `-??????`.
 *
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_identity-based-policies.html
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot.html#ARN_secretnamehyphen
 */
export function slackSecretReadStatement(sid: string, secretName: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    actions: ['secretsmanager:GetSecretValue'],
    resources: [`arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${secretName}-??????`],
  });
}
