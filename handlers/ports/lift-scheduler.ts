/** What the one-time lift schedule hands to the revoke function when it fires. */
export interface ScheduledLiftPayload {
  readonly source: 'jit.lift-schedule';
  readonly requestId: string;
}

/**
 * Schedules the removal of a revocation deny once the revoked session's STS credentials have expired
 * (EventBridge Scheduler, one-time, deleting itself after it ran). Idempotent per name.
 */
export interface LiftScheduler {
  scheduleLift(name: string, at: Date, payload: ScheduledLiftPayload): Promise<void>;
}
