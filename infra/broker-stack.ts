import { Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { AGENT_EVENT_SOURCE, ELEVATION_END_REQUESTED, ELEVATION_REQUESTED } from '../handlers/core/broker-event';
import { auditReaderRoleArn, elevatedRoleArn, revokerRoleArn } from '../handlers/core/broker-settings';
import { REPORT_PREFIX } from '../handlers/core/report-location';
import { ElevationWorkflow } from '../workflows/elevation-workflow';
import { agentPrincipalArn, type LoadedConfig, toBrokerSettings } from './config/load-config';
import { AccountSecrets } from './constructs/account-secrets';
import { ApprovalEndpoint } from './constructs/approval-endpoint';
import { ApproverPolicy } from './constructs/approver-policy';
import { AuditorPolicy } from './constructs/auditor-policy';
import { sendAsSenderStatement } from './constructs/send-as-sender-statement';
import { AgentIdentity } from './constructs/agent-identity';
import { AgentNotifications } from './constructs/agent-notifications';
import { AuditBucket } from './constructs/audit-bucket';
import { BrokerFunction } from './constructs/broker-function';
import { RequestTable } from './constructs/request-table';
import { RevokeRole } from './constructs/revoke-role';
import { BROKER_NAMES, auditBucketName, hubRoleArn } from './naming';

export interface BrokerStackProps extends StackProps {
  /** The validated operator config. */
  readonly config: LoadedConfig;
}

/** Lambda allows 4 KB of environment variables in total; the settings must leave room for the rest. */
const MAX_SETTINGS_BYTES = 3000;

/**
 * The broker in the hub account: the event bus agents send requests to, the elevation workflow and its
 * functions, the request table, one secret per target account, the audit bucket, and the reset safety
 * net (an EventBridge Scheduler group and the role its schedules run as).
 */
export class BrokerStack extends Stack {
  readonly bus: events.EventBus;
  readonly workflow: ElevationWorkflow;
  readonly requestTable: RequestTable;
  readonly secrets: AccountSecrets;
  readonly auditBucket: AuditBucket;
  readonly approvals: ApprovalEndpoint;
  /** The agent's IAM user or role and its standing policy. */
  readonly agent: AgentIdentity;
  /** Execution role of the revoke function. */
  readonly revokeRole: RevokeRole;
  /** The agent's notification queue (`jit request --wait`). */
  readonly notifications: AgentNotifications;
  readonly approverPolicy: ApproverPolicy;
  readonly auditorPolicy: AuditorPolicy;
  readonly functions: Readonly<Record<'register' | 'requestApproval' | 'mint' | 'reset' | 'notify' | 'audit' | 'revoke', BrokerFunction>>;

  constructor(scope: Construct, id: string, props: BrokerStackProps) {
    super(scope, id, props);
    const { config } = props.config;
    const settings = toBrokerSettings(config);
    const settingsJson = JSON.stringify(settings);
    if (Buffer.byteLength(settingsJson) > MAX_SETTINGS_BYTES) {
      throw new Error(
        `The broker settings derived from ${props.config.file} take ${Buffer.byteLength(settingsJson)} bytes; ` +
          `Lambda environment variables allow about ${MAX_SETTINGS_BYTES}. Shorten role descriptions or split accounts across brokers.`,
      );
    }

    this.bus = new events.EventBus(this, 'Bus', { eventBusName: BROKER_NAMES.eventBus });
    this.requestTable = new RequestTable(this, 'Requests', { tableName: BROKER_NAMES.requestTable });
    // Fixed role names, so the secrets' resource policies need no reference to the roles themselves.
    const brokerRole = (name: string) => hubRoleArn(Aws.PARTITION, Aws.ACCOUNT_ID, name);
    const secretWriters = [brokerRole(BROKER_NAMES.mintRole), brokerRole(BROKER_NAMES.resetRole)];
    this.secrets = new AccountSecrets(this, 'Secrets', {
      accountIds: config.accounts.map((a) => a.id),
      writerArns: secretWriters,
      readerArns: [agentPrincipalArn(config.agent, Aws.PARTITION, Aws.ACCOUNT_ID), ...secretWriters],
    });
    this.agent = new AgentIdentity(this, 'Agent', {
      agent: config.agent,
      secretArnPatterns: this.secrets.secretArnPatterns,
      bus: this.bus,
    });
    this.revokeRole = new RevokeRole(this, 'Revoke', {
      roleName: BROKER_NAMES.revokeRole,
      revokerRoleArns: config.accounts.map((account) => revokerRoleArn(Aws.PARTITION, account.id)),
    });
    this.auditBucket = new AuditBucket(this, 'AuditReports', {
      bucketName: auditBucketName(config.hub.account, config.hub.region),
      objectLock: config.audit.objectLock,
      retentionDays: config.audit.retentionDays,
    });
    const scheduleGroup = new scheduler.ScheduleGroup(this, 'ResetSchedules', {
      scheduleGroupName: BROKER_NAMES.scheduleGroup,
    });

    const table = this.requestTable.table;
    const common = { JIT_SETTINGS: settingsJson };
    this.approvals = new ApprovalEndpoint(this, 'Approvals', {
      table,
      settingsJson,
      sender: config.approval.sender,
      apiName: BROKER_NAMES.approvalApi,
    });
    // approval.publicUrl: the review page behind the operator's own domain (e.g. CloudFront with WAF).
    const reviewBaseUrl = config.approval.publicUrl ?? this.approvals.url;

    const register = new BrokerFunction(this, 'Register', {
      entry: 'register',
      description: 'Validates an elevation request and stores it once',
      environment: { ...common, REQUEST_TABLE: table.tableName },
    });
    this.requestTable.grantItems(register.role, 'dynamodb:PutItem');

    const requestApproval = new BrokerFunction(this, 'RequestApproval', {
      entry: 'request-approval',
      description: 'Stores the task token and a hashed approval capability, emails the approver',
      environment: {
        ...common,
        REQUEST_TABLE: table.tableName,
        EVENT_BUS_NAME: this.bus.eventBusName,
        REVIEW_BASE_URL: reviewBaseUrl,
      },
    });
    this.requestTable.grantItems(requestApproval.role, 'dynamodb:UpdateItem');
    this.bus.grantPutEventsTo(requestApproval.role);
    requestApproval.role.addToPolicy(sendAsSenderStatement('SendApprovalEmailAsTheBrokerOnly', config.approval.sender));


    const reset = new BrokerFunction(this, 'Reset', {
      entry: 'reset',
      roleName: BROKER_NAMES.resetRole,
      description: 'Resets an account secret to the placeholder if it still holds the given grant',
      environment: { EVENT_BUS_NAME: this.bus.eventBusName },
    });
    reset.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'CompareAndResetAccountSecrets',
        // DescribeSecret tells which grant is current without reading any credential.
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        resources: this.secrets.secretArns,
      }),
    );
    this.bus.grantPutEventsTo(reset.role);

    const schedulerRole = new iam.Role(this, 'ResetSchedulerRole', {
      roleName: BROKER_NAMES.schedulerRole,
      description: 'Lets one-time EventBridge Scheduler schedules invoke the reset function',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    reset.function.grantInvoke(schedulerRole);

    const elevatedRoleArns = settings.accounts.flatMap((account) =>
      account.roles.map((role) => elevatedRoleArn(Aws.PARTITION, account.id, role.iamRoleName)),
    );
    const mint = new BrokerFunction(this, 'Mint', {
      entry: 'mint',
      roleName: BROKER_NAMES.mintRole,
      description: 'Assumes the elevated role, schedules the reset and stores the grant in the account secret',
      environment: {
        ...common,
        TARGET_PARTITION: Aws.PARTITION,
        SCHEDULE_GROUP: scheduleGroup.scheduleGroupName,
        RESET_FUNCTION_ARN: reset.function.functionArn,
        SCHEDULER_ROLE_ARN: schedulerRole.roleArn,
        REQUEST_TABLE: table.tableName,
      },
    });
    mint.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeConfiguredElevatedRolesWithSourceIdentity',
        actions: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        resources: elevatedRoleArns,
      }),
    );
    mint.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteGrantsIntoAccountSecrets',
        actions: ['secretsmanager:PutSecretValue'],
        resources: this.secrets.secretArns,
      }),
    );
    mint.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ScheduleTheResetSafetyNet',
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule'],
        resources: [
          `arn:${Aws.PARTITION}:scheduler:${Aws.REGION}:${Aws.ACCOUNT_ID}:schedule/${scheduleGroup.scheduleGroupName}/jit-reset-*`,
        ],
      }),
    );
    mint.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PassTheSchedulerRoleToSchedulerOnly',
        // grantPassRole cannot name the receiving service; this role is for EventBridge Scheduler alone.
        actions: ['iam:PassRole'],
        resources: [schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    mint.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RecordIssuedCredentialsForTheAudit',
        actions: ['dynamodb:UpdateItem'],
        resources: [table.tableArn],
        // Mint may append issued access key ids, nothing else: no status, decision or token, and no reading back.
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['requestId', 'issuedCredentials', 'updatedAt'] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_NEW'] },
        },
      }),
    );

    const notify = new BrokerFunction(this, 'Notify', {
      entry: 'notify',
      description: 'Records a request outcome and publishes its broker event',
      environment: { REQUEST_TABLE: table.tableName, EVENT_BUS_NAME: this.bus.eventBusName },
    });
    this.requestTable.grantItems(notify.role, 'dynamodb:UpdateItem');
    this.bus.grantPutEventsTo(notify.role);

    const audit = new BrokerFunction(this, 'Audit', {
      entry: 'audit',
      roleName: BROKER_NAMES.auditRole,
      description: 'Reads CloudTrail in the target account and writes the audit report',
      // One poll reads every page at 2 requests/s per region; the longest polls of very busy grants need
      // the full 15 minutes (it stops reading 2 minutes before, to write the report). See docs/performance.md.
      timeout: Duration.minutes(15),
      memorySize: 1024,
      environment: {
        ...common,
        TARGET_PARTITION: Aws.PARTITION,
        AUDIT_BUCKET: this.auditBucket.bucket.bucketName,
        REQUEST_TABLE: table.tableName,
      },
    });
    audit.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTargetAccountTrails',
        actions: ['sts:AssumeRole'],
        resources: settings.accounts.map((account) => auditReaderRoleArn(Aws.PARTITION, account.id)),
      }),
    );
    // PutObject only: retention comes from the bucket default, so the audit role needs no Object Lock
    // permission (grantPut would add s3:PutObjectRetention and s3:PutObjectLegalHold).
    audit.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteReports',
        actions: ['s3:PutObject'],
        resources: [this.auditBucket.bucket.arnForObjects(`${REPORT_PREFIX}*`)],
      }),
    );
    // Which credentials a request had and whether it was revoked.
    this.requestTable.grantItems(audit.role, 'dynamodb:GetItem');

    // Early revoke (BRIEF §3.8): `jit revoke` invokes it, `jit end` reaches it as an event, and a one-time
    // schedule calls it again to lift the deny after the STS expiry.
    const liftSchedulerRole = new iam.Role(this, 'LiftSchedulerRole', {
      roleName: BROKER_NAMES.liftSchedulerRole,
      description: 'Lets one-time EventBridge Scheduler schedules invoke the revoke function to lift a revocation deny',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    const revoke = new BrokerFunction(this, 'EarlyRevoke', {
      entry: 'revoke',
      role: this.revokeRole.role,
      functionName: BROKER_NAMES.revokeFunction,
      description: 'Ends a grant early: resets the secret, denies its SourceIdentity on the role, lifts the deny after expiry',
      environment: {
        REQUEST_TABLE: table.tableName,
        EVENT_BUS_NAME: this.bus.eventBusName,
        TARGET_PARTITION: Aws.PARTITION,
        RESET_FUNCTION_ARN: reset.function.functionArn,
        SCHEDULE_GROUP: scheduleGroup.scheduleGroupName,
        LIFT_SCHEDULER_ROLE_ARN: liftSchedulerRole.roleArn,
      },
    });
    this.requestTable.grantItems(this.revokeRole.role, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    this.bus.grantPutEventsTo(this.revokeRole.role);
    // The reset function stays the only writer of the placeholder; revoke asks it to reset. The function
    // itself, not its versions (grantInvoke would add `:*`).
    this.revokeRole.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'ResetTheRevokedGrant', actions: ['lambda:InvokeFunction'], resources: [reset.function.functionArn] }),
    );
    this.revokeRole.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ScheduleTheRevocationLift',
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule'],
        resources: [
          `arn:${Aws.PARTITION}:scheduler:${Aws.REGION}:${Aws.ACCOUNT_ID}:schedule/${scheduleGroup.scheduleGroupName}/jit-lift-*`,
        ],
      }),
    );
    this.revokeRole.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PassTheLiftSchedulerRoleToSchedulerOnly',
        actions: ['iam:PassRole'],
        resources: [liftSchedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    liftSchedulerRole.addToPolicy(
      new iam.PolicyStatement({ sid: 'InvokeTheRevokeFunction', actions: ['lambda:InvokeFunction'], resources: [revoke.function.functionArn] }),
    );

    this.functions = { register, requestApproval, mint, reset, notify, audit, revoke };
    this.workflow = new ElevationWorkflow(this, 'Elevation', {
      functions: {
        register: register.function,
        requestApproval: requestApproval.function,
        mint: mint.function,
        reset: reset.function,
        notify: notify.function,
        audit: audit.function,
      },
      stateMachineName: BROKER_NAMES.stateMachine,
      approvalWindow: Duration.minutes(config.approval.windowMinutes),
      auditMaxLag: Duration.minutes(config.audit.maxLagMinutes),
    });

    this.workflow.stateMachine.grantTaskResponse(this.approvals.handler.role);
    this.approverPolicy = new ApproverPolicy(this, 'Approver', {
      table,
      stateMachine: this.workflow.stateMachine,
      sender: config.approval.sender,
      managedPolicyName: BROKER_NAMES.approverPolicy,
      revokeFunction: revoke.function,
    });
    this.auditorPolicy = new AuditorPolicy(this, 'Auditor', {
      table,
      bucket: this.auditBucket.bucket,
      managedPolicyName: BROKER_NAMES.auditorPolicy,
    });

    // Requests that cannot even start an execution land here instead of vanishing.
    const undeliverable = new sqs.Queue(this, 'UndeliverableRequests', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    new events.Rule(this, 'ElevationRequested', {
      eventBus: this.bus,
      description: 'Starts the elevation workflow for each request from an agent',
      eventPattern: { source: [AGENT_EVENT_SOURCE], detailType: [ELEVATION_REQUESTED] },
      targets: [
        new targets.SfnStateMachine(this.workflow.stateMachine, {
          deadLetterQueue: undeliverable,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    new events.Rule(this, 'ElevationEndRequested', {
      eventBus: this.bus,
      description: "Hands an agent's request to end its own grant to the revoke function",
      eventPattern: { source: [AGENT_EVENT_SOURCE], detailType: [ELEVATION_END_REQUESTED] },
      targets: [new targets.LambdaFunction(revoke.function, { deadLetterQueue: undeliverable, retryAttempts: 185, maxEventAge: Duration.hours(1) })],
    });

    this.notifications = new AgentNotifications(this, 'AgentNotifications', {
      bus: this.bus,
      queueName: BROKER_NAMES.notificationQueue,
    });
    this.agent.grantConsumeNotifications(this.notifications.queue);

    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'RequestTableName', { value: table.tableName });
    new CfnOutput(this, 'AuditBucketName', { value: this.auditBucket.bucket.bucketName });
    new CfnOutput(this, 'ReviewBaseUrl', { value: reviewBaseUrl });
    new CfnOutput(this, 'RevokeFunctionName', { value: revoke.function.functionName });
    new CfnOutput(this, 'AgentNotificationQueueUrl', { value: this.notifications.queue.queueUrl });
  }
}
