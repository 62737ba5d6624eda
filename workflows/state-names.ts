/**
 * Names of the elevation state machine's states. They appear in execution history, alarms and tests, and
 * the local runner keys its overrides on them, so they are part of the workflow's contract.
 */
export const STATE = {
  register: 'Register',
  isDuplicate: 'IsDuplicate',
  duplicateIgnored: 'DuplicateIgnored',
  notifyDuplicateRefused: 'NotifyDuplicateRefused',
  duplicateRefused: 'DuplicateRefused',
  awaitApproval: 'AwaitApproval',
  mint: 'Mint',
  ensurePlaceholder: 'EnsurePlaceholder',
  notifyGranted: 'NotifyGranted',
  waitUntilExpiry: 'WaitUntilExpiry',
  reset: 'Reset',
  notifyEnded: 'NotifyEnded',
  planAudit: 'PlanAudit',
  waitForTrail: 'WaitForTrail',
  collectTrail: 'CollectTrail',
  isAuditDone: 'IsAuditDone',
  waitForLateEvents: 'WaitForLateEvents',
  notifyAudited: 'NotifyAudited',
  audited: 'Audited',
  /** A grant is already live for the same agent and account: refused, nothing minted (docs/agent.md#one-live-grant-per-agent-and-account). */
  notifyRefused: 'NotifyRefused',
  grantAlreadyLive: 'GrantAlreadyLive',
  notifyRejected: 'NotifyRejected',
  rejected: 'Rejected',
  notifyDenied: 'NotifyDenied',
  denied: 'Denied',
  notifyApprovalExpired: 'NotifyApprovalExpired',
  approvalExpired: 'ApprovalExpired',
  notifyMintFailed: 'NotifyMintFailed',
  planMintFailedAudit: 'PlanMintFailedAudit',
  wereCredentialsIssued: 'WereCredentialsIssued',
  notifyMintAudited: 'NotifyMintAudited',
  mintFailed: 'MintFailed',
  notifyRegisterFailed: 'NotifyRegisterFailed',
  registerFailed: 'RegisterFailed',
  notifyApprovalFailed: 'NotifyApprovalFailed',
  approvalFailed: 'ApprovalFailed',
  notifyResetFailed: 'NotifyResetFailed',
  notifyAuditFailed: 'NotifyAuditFailed',
  auditFailed: 'AuditFailed',
} as const;

export type StateName = (typeof STATE)[keyof typeof STATE];
