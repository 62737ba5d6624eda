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
  /** EventBridge Scheduler's role for the reset safety net. */
  schedulerRole: 'jit-broker-reset-scheduler',
  eventBus: 'jit-broker',
  scheduleGroup: 'jit-broker-resets',
  stateMachine: 'jit-elevation',
  requestTable: 'jit-requests',
  /** The HTTP API that serves the review links. */
  approvalApi: 'jit-approvals',
  /** Managed policy to attach to the people who approve from the terminal (`jit approve`). */
  approverPolicy: 'jit-approver',
} as const;

export function hubRoleArn(partition: string, hubAccount: string, roleName: string): string {
  return `arn:${partition}:iam::${hubAccount}:role/${roleName}`;
}
