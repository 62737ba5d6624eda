import { z } from 'zod';

/**
 * Per-agent limits on elevation requests (config `limits`, docs/configuration.md#limits): how many of an
 * agent's requests may wait for a decision at once, and how many it may ask in one clock hour (UTC). A
 * request over a limit is refused at Register, before any approver is emailed, and ends in `RateLimited`
 * with an `Elevation Refused` event (code `RATE_LIMITED`) on the agent's queue: a burst of events never
 * becomes a burst of emails.
 *
 * Each limit is one item of the request table holding the ids of the requests that took a slot (a string
 * set), so taking a slot is one conditional write: idempotent for the same request (a retried Register
 * finds its id there and takes nothing more), and race-safe across concurrent Registers.
 */
export const requestLimitsSchema = z.object({
  pendingPerAgent: z.number().int().min(1).max(100),
  requestsPerHourPerAgent: z.number().int().min(1).max(1000),
});

export type RequestLimits = z.infer<typeof requestLimitsSchema>;

/** The limits when the config says nothing: enough for an agent at work, too few for a runaway loop. */
export const DEFAULT_REQUEST_LIMITS: RequestLimits = { pendingPerAgent: 5, requestsPerHourPerAgent: 20 };

/** The key prefixes of the quota items, which the functions' table permissions are scoped to. */
export const PENDING_KEY_PREFIX = 'PENDING#';
export const RATE_KEY_PREFIX = 'RATE#';

/** The attributes a quota write touches (IAM's `dynamodb:Attributes`). */
export const QUOTA_ATTRIBUTES = ['requestId', 'holders', 'updatedAt', 'expiresAtEpoch'] as const;

/** The item of an agent's requests waiting for a decision. `#` never occurs in a request id. */
export function pendingKey(agentId: string): string {
  return `${PENDING_KEY_PREFIX}${agentId}`;
}

/** The clock hour (UTC) of a moment, as `yyyy-mm-ddThh`. */
export function hourOf(iso: string): string {
  return new Date(iso).toISOString().slice(0, 13);
}

/** The item of an agent's requests asked in one clock hour. */
export function rateKey(agentId: string, hour: string): string {
  return `${RATE_KEY_PREFIX}${agentId}#${hour}`;
}

/** Which limit a refused request hit. */
export type LimitName = 'pendingPerAgent' | 'requestsPerHourPerAgent';

/** The refusal's reason, for the agent and the event: names the limit and what to do. */
export function rateLimitReason(limit: LimitName, limits: RequestLimits, agentName: string): string {
  return limit === 'pendingPerAgent'
    ? `${agentName} already has ${limits.pendingPerAgent} requests waiting for a decision (limits.pendingPerAgent); wait for one to be decided and ask again`
    : `${agentName} has asked ${limits.requestsPerHourPerAgent} times this hour (limits.requestsPerHourPerAgent); ask again after the hour`;
}

/** The `code` of an `Elevation Refused` event for a request over a limit. */
export const RATE_LIMITED_CODE = 'RATE_LIMITED';
