/**
 * Every fixed name and ARN of an installation, in one place for the stacks (`infra/`) and the handlers
 * alike. Names are fixed so that no stack needs a cross-account reference: the target accounts' trust
 * policies and deny-always ceilings name the broker's roles, bucket, bus and state machine by these
 * names, and the handlers build the target accounts' role ARNs from them. Changing a name here means
 * redeploying every stack.
 *
 * Every broker-owned IAM name starts with `jit-` (or the broker stack's name), which the ceiling protects
 * as a whole: do not give your own roles that prefix.
 */

/** Fixed names of the broker's own resources in the hub account. */
export const BROKER_NAMES = {
  /** The only principal elevated roles trust. */
  mintRole: 'jit-broker-mint',
  /** Resets secrets; also the only other principal allowed to write them. */
  resetRole: 'jit-broker-reset',
  /** Reads target accounts' CloudTrail through their audit reader roles. */
  auditRole: 'jit-broker-audit',
  /** Attaches and removes early-revoke denies through the target accounts' revoker roles. */
  revokeRole: 'jit-broker-revoke',
  /** EventBridge Scheduler's role for the reset safety net. */
  schedulerRole: 'jit-broker-reset-scheduler',
  /** EventBridge Scheduler's role for lifting revocation denies after the STS expiry. */
  liftSchedulerRole: 'jit-broker-lift-scheduler',
  /** Role the recurring schedule invokes the decision reconciler as. */
  reconcileSchedulerRole: 'jit-broker-reconcile-scheduler',
  eventBus: 'jit-broker',
  scheduleGroup: 'jit-broker-resets',
  stateMachine: 'jit-elevation',
  requestTable: 'jit-requests',
  /** The HTTP API that serves the review links. */
  approvalApi: 'jit-approvals',
  /** Managed policy to attach to the people who approve from the terminal (`jit approve`). */
  approverPolicy: 'jit-approver',
  /** Managed policy to attach to the people who read audit reports (`jit report`). */
  auditorPolicy: 'jit-auditor',
  /** The revoke function, which `jit revoke` invokes by name (the ceiling protects `JitBroker-*`). */
  revokeFunction: 'JitBroker-Revoke',
  /**
   * The Slack interactions function, which hands each accepted press to itself asynchronously by this name
   * (a fixed name, so its role's invoke permission names it without a dependency cycle).
   */
  slackInteractionsFunction: 'JitBroker-SlackInteractions',
  /**
   * The broker's outcomes for the first agent (`jit request --wait`), which only that agent consumes.
   * Other agents' queues add `-<id>` (`agentQueueName` in `handlers/core/agents.ts`).
   */
  notificationQueue: 'jit-agent-notifications',
} as const;

/** Fixed names of what the broker deploys into every target account. */
export const TARGET_NAMES = {
  /** `cloudtrail:LookupEvents` only, trusted by the broker's audit role. */
  auditReaderRole: 'jit-audit-reader',
  /** Writes the early-revoke deny onto elevated roles, trusted by the broker's revoke role. */
  revokerRole: 'jit-revoker',
  /** The ceiling attached to every elevated role: identities, credentials, hand-off. */
  denyAlwaysPolicy: 'jit-deny-always',
  /** The ceiling's second part: detection and audit stay on. */
  denyDetectionPolicy: 'jit-deny-always-detection',
  /** The ceiling's third part: the broker's own resources stay read-only. */
  denyBrokerPolicy: 'jit-deny-always-broker',
  /** The permissions boundary every principal an elevated session creates must carry. */
  boundaryPolicy: 'jit-permissions-boundary',
} as const;

/**
 * The IAM path of every role and user an elevated session creates. IAM fixes a role's path at creation
 * (no API changes it) and the ceiling denies moving a user, so the path marks "created under a grant":
 * only principals on it may have policies, trust or a boundary changed. It does not start with `jit-`,
 * which the ceiling reserves for the broker's own identities.
 */
export const BOUNDED_PRINCIPAL_PATH = '/jit/bounded/';

/**
 * Tag keys an operator sets, and an elevated session can neither set nor remove (the ceiling denies any
 * request whose `aws:TagKeys` has a `jit:` key).
 */
export const CEILING_TAGS = {
  /** On a Lambda function, instance, ECS task, CodeBuild project, stack or notebook: an elevated session may change its code or send it commands, under its own role. */
  elevatedAccess: 'jit:elevated-access',
  /** On a rule, topic, alarm or log group: a security control no elevated session may change. */
  security: 'jit:security',
} as const;

/** Names of the broker's own stacks, as CloudFormation and the CDK see them. */
export const STACK_NAMES = {
  broker: 'JitBroker',
  /** Prefix of every target-account stack, followed by the account's configured name. */
  targetPrefix: 'JitTarget-',
} as const;

export function targetStackName(accountName: string): string {
  return `${STACK_NAMES.targetPrefix}${accountName}`;
}

/**
 * A target account's tripwire forwarder in one region other than the target stack's own:
 * `JitTarget-<name>-Tripwires-<region>`. It starts with the target prefix, so the ceiling's deny on
 * changes to `JitTarget-*` stacks covers it too.
 */
export function tripwireStackName(accountName: string, region: string): string {
  return `${targetStackName(accountName)}-Tripwires-${region}`;
}

/** Default name of the agent's IAM user or role in the hub account. */
export const DEFAULT_AGENT_NAME = 'jit-agent';

/**
 * The audit bucket's name. Fixed (account and region make it globally unique) so that the deny-always
 * ceiling in every target account can name it without a cross-account reference.
 */
export function auditBucketName(hubAccount: string, hubRegion: string): string {
  return `jit-audit-${hubAccount}-${hubRegion}`;
}

/**
 * Secret that hands a grant to the first agent: one per target account. Other agents' secrets are
 * `agent/<id>/elevated/<account>` (`agentSecretName` in `handlers/core/agents.ts`).
 */
export function secretNameFor(accountId: string): string {
  return `agent/elevated/${accountId}`;
}

/** Prefix of the one-time schedules that reset a grant's secret at its expiry (the safety net). */
export const RESET_SCHEDULE_PREFIX = 'jit-reset-';

/** Prefix of the one-time schedules that lift a revocation deny after the STS expiry. */
export const LIFT_SCHEDULE_PREFIX = 'jit-lift-';

/**
 * The ARN of an IAM role in any account: the broker's roles in the hub account, the elevated, audit
 * reader and revoker roles in the target accounts. Names are predictable, so no stack exports them.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 */
export function roleArn(partition: string, accountId: string, roleName: string): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}

/** The ARN of the broker's event bus in the hub, where every target account's tripwire rules send. */
export function brokerBusArn(partition: string, hubAccount: string, hubRegion: string): string {
  return `arn:${partition}:events:${hubRegion}:${hubAccount}:event-bus/${BROKER_NAMES.eventBus}`;
}

/**
 * The ARN of a role session, as STS names the caller that assumed `roleName` with `sessionName`
 * (`GetCallerIdentity`, CloudTrail's `userIdentity.arn`, the `aws:PrincipalArn` of its calls is the role's).
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 */
export function assumedRoleSessionArn(partition: string, accountId: string, roleName: string, sessionName: string): string {
  return `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;
}

/** The ARN of a customer managed policy. */
export function managedPolicyArn(partition: string, accountId: string, policyName: string): string {
  return `arn:${partition}:iam::${accountId}:policy/${policyName}`;
}

/** The read-only CloudTrail role of a target account, which the broker's audit function assumes. */
export function auditReaderRoleArn(partition: string, accountId: string): string {
  return roleArn(partition, accountId, TARGET_NAMES.auditReaderRole);
}

/** The role of a target account that writes the early-revoke deny, which the broker's revoke role assumes. */
export function revokerRoleArn(partition: string, accountId: string): string {
  return roleArn(partition, accountId, TARGET_NAMES.revokerRole);
}
