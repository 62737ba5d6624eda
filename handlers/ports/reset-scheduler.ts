/** What the one-time reset schedule hands to the reset function when it fires. */
export interface ScheduledResetPayload {
  readonly source: 'jit.reset-schedule';
  readonly requestId: string;
  readonly accountId: string;
  readonly grantId: string;
  /** The agent's secret the grant is in. @default the first agent's, `agent/elevated/<accountId>` */
  readonly secretName?: string;
  /** The agent's event source, so the `Elevation Ended` a schedule publishes reaches that agent's queue. */
  readonly agentSource?: string;
}

/**
 * The reset safety net (invariant 6, docs/security-invariants.md): a one-time schedule at the grant's expiry that resets the secret
 * even if the workflow was stopped or failed. It deletes itself after it runs.
 */
export interface ResetScheduler {
  scheduleReset(name: string, at: Date, payload: ScheduledResetPayload): Promise<void>;
}
