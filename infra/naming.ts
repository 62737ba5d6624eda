import { AUDIT_READER_ROLE_NAME, REVOKER_ROLE_NAME } from '../handlers/core/broker-settings';

/**
 * Fixed names of the broker's own resources in the hub account. Target-account stacks refer to these
 * roles by ARN built from the hub account id, so no stack needs a cross-account reference; changing a
 * name here means redeploying every target stack.
 */
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
  /** The broker's outcomes for the agent (`jit request --wait`), which only the agent consumes. */
  notificationQueue: 'jit-agent-notifications',
} as const;

/**
 * Fixed names of what the broker deploys into every target account. Every broker-owned IAM name starts
 * with `jit-`, which the deny-always ceiling protects as a whole: do not give your own roles that prefix.
 */
export const TARGET_NAMES = {
  /** `cloudtrail:LookupEvents` only, trusted by the broker's audit role. */
  auditReaderRole: AUDIT_READER_ROLE_NAME,
  /** Writes the early-revoke deny onto elevated roles, trusted by the broker's revoke role. */
  revokerRole: REVOKER_ROLE_NAME,
  /** The ceiling attached to every elevated role. */
  denyAlwaysPolicy: 'jit-deny-always',
  /** The permissions boundary every principal an elevated session creates must carry. */
  boundaryPolicy: 'jit-permissions-boundary',
} as const;

/** IAM names of the broker's own stacks, as CloudFormation and the CDK see them. */
export const STACK_NAMES = {
  broker: 'JitBroker',
  /** Prefix of every target-account stack, followed by the account's configured name. */
  targetPrefix: 'JitTarget-',
} as const;

export function targetStackName(accountName: string): string {
  return `${STACK_NAMES.targetPrefix}${accountName}`;
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

export function hubRoleArn(partition: string, hubAccount: string, roleName: string): string {
  return `arn:${partition}:iam::${hubAccount}:role/${roleName}`;
}

export function managedPolicyArn(partition: string, accountId: string, policyName: string): string {
  return `arn:${partition}:iam::${accountId}:policy/${policyName}`;
}
