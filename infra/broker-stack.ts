import { ArnFormat, Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ELEVATION_END_REQUESTED, ELEVATION_EXTENSION_REQUESTED, ELEVATION_REQUESTED } from '../handlers/core/broker-event';
import { type AgentRef, PRIMARY_AGENT_SOURCE, agentEventSource, agentQueueName } from '../handlers/core/agents';
import { MAX_DELIVERY_EVENT_AGE_SECONDS, MAX_DELIVERY_RETRY_ATTEMPTS } from '../handlers/core/delivery-retry';
import { BROKER_NAMES, auditBucketName, auditReaderRoleArn, revokerRoleArn, roleArn } from '../handlers/core/resource-names';
import { ElevationWorkflow } from '../workflows/elevation-workflow';
import { SQS_MAX_RETENTION } from './aws-limits';
import { agentPrincipalArn, agentsOf, type LoadedConfig, toBrokerSettings } from './config/load-config';
import { AccountSecrets, pascal } from './constructs/account-secrets';
import { AgentIdentity } from './constructs/agent-identity';
import { AgentStack } from './constructs/agent-stack';
import { AgentNotifications } from './constructs/agent-notifications';
import { ApprovalEndpoint } from './constructs/approval-endpoint';
import { ApproverPolicy } from './constructs/approver-policy';
import { AuditBucket } from './constructs/audit-bucket';
import { AuditorPolicy } from './constructs/auditor-policy';
import { AuditFunction } from './constructs/audit-function';
import { MintFunction } from './constructs/mint-function';
import { NotifyFunction } from './constructs/notify-function';
import { ReconcileFunction } from './constructs/reconcile-function';
import { RegisterFunction } from './constructs/register-function';
import { RequestApprovalFunction } from './constructs/request-approval-function';
import { SlackInteractions, slackSecretReadStatement } from './constructs/slack-interactions';
import { RequestTable } from './constructs/request-table';
import { ResetFunction } from './constructs/reset-function';
import { RevokeFunction } from './constructs/revoke-function';
import { tripwireEventPattern } from './constructs/tripwire-forwarder';
import { CLOUDTRAIL_API_CALL } from '../handlers/core/tripwire';
import { RevokeRole } from './constructs/revoke-role';
import { ScheduleInvokerRole } from './constructs/schedule-invoker-role';

/** The broker's functions outside the approval endpoint, each with its own role, grants and environment. */
export interface BrokerFunctions {
  readonly register: RegisterFunction;
  readonly requestApproval: RequestApprovalFunction;
  readonly mint: MintFunction;
  readonly reset: ResetFunction;
  readonly notify: NotifyFunction;
  readonly audit: AuditFunction;
  readonly revoke: RevokeFunction;
}

export interface BrokerStackProps extends StackProps {
  /** The validated operator config. */
  readonly config: LoadedConfig;
}

/**
 * How many agents live in the broker stack itself, with the construct ids they had before nested stacks;
 * each agent after them gets a nested stack of its own (`AgentStack<Id>`).
 */
export const AGENTS_IN_BROKER_STACK = 10;

/**
 * EventBridge allows 2,048 characters of event pattern per rule (adjustable); the rules that take the
 * agents' requests list their sources while they fit and match the agent source prefix beyond that
 * (Register refuses a source no configured agent has).
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
 */
const MAX_LISTED_AGENT_SOURCES = AGENTS_IN_BROKER_STACK;

/** The names of the nested agents' secrets (`agent/<id>/elevated/<account>`, plus Secrets Manager's suffix). */
const NESTED_AGENT_SECRETS_PATTERN = 'agent/*/elevated/*';

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
  /** Slack approvals, when `approval.slack` is configured. */
  readonly slack?: SlackInteractions;
  /** The first agent's IAM user or role and its standing policy. */
  readonly agent: AgentIdentity;
  /** Every agent's identity, by agent id, first one first. */
  readonly agents: ReadonlyMap<string, AgentIdentity>;
  /** The nested stack of each agent after the tenth, by agent id. */
  readonly agentStacks: ReadonlyMap<string, AgentStack>;
  /** Every agent's notification queue, by agent id. */
  readonly agentQueues: ReadonlyMap<string, AgentNotifications>;
  /** Execution role of the revoke function. */
  readonly revokeRole: RevokeRole;
  /** The agent's notification queue (`jit request --wait`). */
  readonly notifications: AgentNotifications;
  readonly approverPolicy: ApproverPolicy;
  readonly auditorPolicy: AuditorPolicy;
  /** The workflow's functions and the revoke function, one construct per function role. */
  readonly functions: BrokerFunctions;
  /** The broker settings bundled with each function that reads them (`jit-settings.json`). */
  readonly settingsJson: string;

  constructor(scope: Construct, id: string, props: BrokerStackProps) {
    super(scope, id, props);
    const { config } = props.config;
    // With the roles' policies (the approval messages evaluate grants with them): the settings travel in
    // each function's bundle (jit-settings.json), not in its 4 KB environment, which holds only their digest.
    const settings = toBrokerSettings(config, props.config.policies);
    const settingsJson = JSON.stringify(settings);
    this.settingsJson = settingsJson;

    this.bus = new events.EventBus(this, 'Bus', { eventBusName: BROKER_NAMES.eventBus });
    this.requestTable = new RequestTable(this, 'Requests', { tableName: BROKER_NAMES.requestTable });
    // Fixed role names, so the secrets' resource policies need no reference to the roles themselves.
    const brokerRole = (name: string) => roleArn(Aws.PARTITION, Aws.ACCOUNT_ID, name);
    const secretWriters = [brokerRole(BROKER_NAMES.mintRole), brokerRole(BROKER_NAMES.resetRole)];
    const agentConfigs = agentsOf(config);
    const agentRefs: AgentRef[] = settings.agents!.map((a, i) => ({ id: a.id, name: a.name, primary: i === 0 }));
    const accountIds = config.accounts.map((a) => a.id);
    const inThisStack = agentRefs.slice(0, AGENTS_IN_BROKER_STACK);
    this.secrets = new AccountSecrets(this, 'Secrets', {
      accountIds,
      agents: inThisStack.map((agent, i) => ({ agent, principalArn: agentPrincipalArn(agentConfigs[i], Aws.PARTITION, Aws.ACCOUNT_ID) })),
      writerArns: secretWriters,
      readerArns: secretWriters,
    });
    // One identity per agent, each reading only its own secrets and sending only with its own source. The
    // first keeps the construct id shipped before several agents (resource identities).
    const agents = new Map<string, AgentIdentity>();
    inThisStack.forEach((agent, i) => {
      agents.set(
        agent.id,
        new AgentIdentity(this, agent.primary ? 'Agent' : `Agent${pascal(agent.id)}`, {
          agent: agentConfigs[i],
          secretArnPatterns: this.secrets.secretArnPatternsOf(agent),
          bus: this.bus,
          eventSource: agentEventSource(agent),
        }),
      );
    });
    // The agents after the tenth: a nested stack each, named by the agent's id, so adding, removing or
    // reordering them moves nothing between stacks (docs/deploy.md#more-than-ten-agents).
    const agentStacks = new Map<string, AgentStack>();
    agentRefs.slice(AGENTS_IN_BROKER_STACK).forEach((agent, i) => {
      const nested = new AgentStack(this, `AgentStack${pascal(agent.id)}`, {
        agent,
        config: agentConfigs[AGENTS_IN_BROKER_STACK + i],
        principalArn: agentPrincipalArn(agentConfigs[AGENTS_IN_BROKER_STACK + i], Aws.PARTITION, Aws.ACCOUNT_ID),
        accountIds,
        secretWriterArns: secretWriters,
        bus: this.bus,
      });
      agents.set(agent.id, nested.identity);
      agentStacks.set(agent.id, nested);
    });
    this.agentStacks = agentStacks;
    // The mint and reset functions write every agent's secrets: the first ten by ARN, as before, the nested
    // agents' by the name pattern they share (an ARN each would outgrow the roles' 10,240-character inline
    // policy quota; each secret's own resource policy still admits only the mint and reset roles).
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
    const nestedSecretArns = agentStacks.size > 0 ? [this.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: NESTED_AGENT_SECRETS_PATTERN, arnFormat: ArnFormat.COLON_RESOURCE_NAME })] : [];
    this.agents = agents;
    this.agent = agents.get(agentRefs[0].id)!;
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
    this.approvals = new ApprovalEndpoint(this, 'Approvals', {
      table,
      settingsJson,
      sender: config.approval.sender,
      apiName: BROKER_NAMES.approvalApi,
      bus: this.bus,
      revokeFunctionName: BROKER_NAMES.revokeFunction,
    });
    // approval.publicUrl: the review page behind the operator's own domain (e.g. CloudFront with WAF).
    const reviewBaseUrl = config.approval.publicUrl ?? this.approvals.url;

    const register = new RegisterFunction(this, 'Register', { settingsJson, requestTable: this.requestTable });
    const requestApproval = new RequestApprovalFunction(this, 'RequestApproval', {
      settingsJson,
      requestTable: this.requestTable,
      bus: this.bus,
      reviewBaseUrl,
      sender: config.approval.sender,
    });

    const reset = new ResetFunction(this, 'Reset', { roleName: BROKER_NAMES.resetRole, secrets: this.secrets, moreSecretArns: nestedSecretArns, bus: this.bus });
    const schedulerRole = new ScheduleInvokerRole(this, 'ResetSchedulerRole', {
      roleName: BROKER_NAMES.schedulerRole,
      description: 'Lets one-time EventBridge Scheduler schedules invoke the reset function',
    });
    reset.function.grantInvoke(schedulerRole);

    const mint = new MintFunction(this, 'Mint', {
      roleName: BROKER_NAMES.mintRole,
      settingsJson,
      elevatedRoleArns: settings.accounts.flatMap((account) =>
        account.roles.map((role) => roleArn(Aws.PARTITION, account.id, role.iamRoleName)),
      ),
      secrets: this.secrets,
      moreSecretArns: nestedSecretArns,
      requestTable: this.requestTable,
      scheduleGroupName: scheduleGroup.scheduleGroupName,
      resetFunction: reset.function,
      schedulerRole,
    });

    const notify = new NotifyFunction(this, 'Notify', { settingsJson, requestTable: this.requestTable, bus: this.bus, sender: config.approval.sender });

    const audit = new AuditFunction(this, 'Audit', {
      roleName: BROKER_NAMES.auditRole,
      settingsJson,
      auditReaderRoleArns: settings.accounts.map((account) => auditReaderRoleArn(Aws.PARTITION, account.id)),
      auditBucket: this.auditBucket.bucket,
      requestTable: this.requestTable,
    });

    // Early revoke: `jit revoke` invokes it, `jit end` reaches it as an event, and a one-time schedule
    // calls it again to lift the deny after the STS expiry.
    const liftSchedulerRole = new ScheduleInvokerRole(this, 'LiftSchedulerRole', {
      roleName: BROKER_NAMES.liftSchedulerRole,
      description: 'Lets one-time EventBridge Scheduler schedules invoke the revoke function to lift a revocation deny',
    });
    const revoke = new RevokeFunction(this, 'EarlyRevoke', {
      functionName: BROKER_NAMES.revokeFunction,
      revokeRole: this.revokeRole,
      requestTable: this.requestTable,
      bus: this.bus,
      resetFunction: reset.function,
      scheduleGroupName: scheduleGroup.scheduleGroupName,
      liftSchedulerRole,
      settingsJson,
      ...(settings.tripwires ? { tripwireSender: settings.sender } : {}),
    });

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
    // Once a minute: a claimed decision whose delivery was interrupted reaches the workflow, or fails visibly.
    const reconcile = new ReconcileFunction(this, 'Reconcile', {
      settingsJson,
      requestTable: this.requestTable,
      bus: this.bus,
      schedulerRoleName: BROKER_NAMES.reconcileSchedulerRole,
    });
    reconcile.grantTaskResponse(this.workflow.stateMachine);
    // approval.rules: RequestApproval answers its own task when a rule approves (handlers/use-cases/approve-by-rule.ts),
    // reading and claiming the request like the approval function. The state machine's ARN by its fixed name:
    // its own reference would make the function depend on the state machine that invokes it.
    if (config.approval.rules) {
      this.requestTable.grantItems(requestApproval.role, 'dynamodb:GetItem');
      requestApproval.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'AnswerTheTaskWhenARuleApproves',
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
          resources: [Stack.of(this).formatArn({ service: 'states', resource: 'stateMachine', resourceName: BROKER_NAMES.stateMachine, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
        }),
      );
    }
    // The approver routes hand `jit revoke` to the revoke function; approvers themselves cannot invoke it.
    // The function itself, not its versions or aliases (grantInvoke would add `:*`).
    iam.Grant.addToPrincipal({ grantee: this.approvals.handler.role, actions: ['lambda:InvokeFunction'], resourceArns: [revoke.function.functionArn] });

    // approval.slack: the prompt is posted with the bot token, presses come back on the approval API.
    if (config.approval.slack) {
      requestApproval.role.addToPolicy(slackSecretReadStatement('ReadTheSlackSecretToPost', config.approval.slack.secretName));
      // Break-glass alerts go to Slack from the approver routes (docs/approvals.md#break-glass).
      if (config.roles.some((r) => r.breakGlass)) this.approvals.handler.role.addToPolicy(slackSecretReadStatement('ReadTheSlackSecretToAlert', config.approval.slack.secretName));
      this.slack = new SlackInteractions(this, 'Slack', {
        api: this.approvals.api,
        settingsJson,
        table,
        bus: this.bus,
        sender: config.approval.sender,
        secretName: config.approval.slack.secretName,
        ...(config.approval.slack.alarmEmail ? { alarmEmail: config.approval.slack.alarmEmail } : {}),
      });
      this.workflow.stateMachine.grantTaskResponse(this.slack.handler.role);
    }
    this.approverPolicy = new ApproverPolicy(this, 'Approver', {
      managedPolicyName: BROKER_NAMES.approverPolicy,
      approverRouteArns: this.approvals.approverRouteArns,
    });
    this.auditorPolicy = new AuditorPolicy(this, 'Auditor', {
      table,
      bucket: this.auditBucket.bucket,
      signingKey: audit.signingKey,
      managedPolicyName: BROKER_NAMES.auditorPolicy,
    });

    // Requests that cannot even start an execution land here instead of vanishing, kept as long as SQS allows.
    const undeliverable = new sqs.Queue(this, 'UndeliverableRequests', {
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: SQS_MAX_RETENTION,
    });
    const agentSources =
      agentRefs.length <= MAX_LISTED_AGENT_SOURCES ? agentRefs.map((a) => agentEventSource(a)) : events.Match.prefix(PRIMARY_AGENT_SOURCE);
    new events.Rule(this, 'ElevationRequested', {
      eventBus: this.bus,
      description: 'Starts the elevation workflow for each request from an agent',
      // Every configured agent's source; the broker tells them apart by it. An extension of a live grant
      // is a request of its own, with its own execution (docs/architecture.md#extending-a-live-grant).
      eventPattern: { source: agentSources, detailType: [ELEVATION_REQUESTED, ELEVATION_EXTENSION_REQUESTED] },
      // Every request is retried as often and as long as EventBridge allows.
      targets: [
        new targets.SfnStateMachine(this.workflow.stateMachine, {
          deadLetterQueue: undeliverable,
          retryAttempts: MAX_DELIVERY_RETRY_ATTEMPTS,
          maxEventAge: Duration.seconds(MAX_DELIVERY_EVENT_AGE_SECONDS),
        }),
      ],
    });

    new events.Rule(this, 'ElevationEndRequested', {
      eventBus: this.bus,
      description: "Hands an agent's request to end its own grant to the revoke function",
      eventPattern: { source: agentSources, detailType: [ELEVATION_END_REQUESTED] },
      // An end request is worth delivering within the hour; after that the grant has ended anyway.
      targets: [
        new targets.LambdaFunction(revoke.function, {
          deadLetterQueue: undeliverable,
          retryAttempts: MAX_DELIVERY_RETRY_ATTEMPTS,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });

    // Tripwires: the target accounts' rules forward their broker sessions' API calls here; the bus admits
    // them from the configured accounts only, and the revoke function judges each one.
    // @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html
    if (settings.tripwires) {
      const targetAccounts = [...new Set(settings.accounts.map((account) => account.id))];
      this.bus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'TripwireEventsFromTheTargetAccounts',
          principals: targetAccounts.map((id) => new iam.AccountPrincipal(id)),
          actions: ['events:PutEvents'],
          resources: [this.bus.eventBusArn],
        }),
      );
      new events.Rule(this, 'TripwireCalls', {
        eventBus: this.bus,
        description: "Hands the target accounts' API calls of broker sessions to the revoke function's tripwires",
        eventPattern: { detailType: [CLOUDTRAIL_API_CALL], account: targetAccounts, detail: tripwireEventPattern().detail as Record<string, unknown> },
        // A tripwire is worth firing only while the grant lives (at most an hour).
        targets: [new targets.LambdaFunction(revoke.function, { deadLetterQueue: undeliverable, retryAttempts: MAX_DELIVERY_RETRY_ATTEMPTS, maxEventAge: Duration.hours(1) })],
      });
    }

    // One queue per agent, each consumed by its agent only; with several agents each takes only the
    // events of its own agent's requests.
    const queues = new Map<string, AgentNotifications>();
    for (const agent of inThisStack) {
      const notifications = new AgentNotifications(this, agent.primary ? 'AgentNotifications' : `AgentNotifications${pascal(agent.id)}`, {
        bus: this.bus,
        queueName: agentQueueName(agent),
        ...(agentRefs.length > 1 ? { agentSource: agentEventSource(agent) } : {}),
      });
      agents.get(agent.id)!.grantConsumeNotifications(notifications.queue);
      queues.set(agent.id, notifications);
    }
    for (const [id, nested] of agentStacks) queues.set(id, nested.notifications);
    this.agentQueues = queues;
    this.notifications = queues.get(agentRefs[0].id)!;

    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'RequestTableName', { value: table.tableName });
    new CfnOutput(this, 'AuditBucketName', { value: this.auditBucket.bucket.bucketName });
    new CfnOutput(this, 'ReviewBaseUrl', { value: reviewBaseUrl });
    // Where `jit` signs its approver-route calls (JIT_APPROVALS_URL): the API itself, never publicUrl.
    new CfnOutput(this, 'ApprovalApiUrl', { value: this.approvals.url });
    new CfnOutput(this, 'RevokeFunctionName', { value: revoke.function.functionName });
    new CfnOutput(this, 'AgentNotificationQueueUrl', { value: this.notifications.queue.queueUrl });
  }
}
