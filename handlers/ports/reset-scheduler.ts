/** What the one-time reset schedule hands to the reset function when it fires. */
export interface ScheduledResetPayload {
  readonly source: 'jit.reset-schedule';
  readonly requestId: string;
  readonly accountId: string;
  readonly grantId: string;
}

/**
 * The reset safety net (invariant 6, docs/security-invariants.md): a one-time schedule at the grant's expiry that resets the secret
 * even if the workflow was stopped or failed. It deletes itself after it runs.
 */
export interface ResetScheduler {
  scheduleReset(name: string, at: Date, payload: ScheduledResetPayload): Promise<void>;
}
