import { createHash } from 'node:crypto';
import { z } from 'zod';
import { issuedCredentialsSchema } from './issued-credentials';
import { reportLocationSchema } from './report-location';
import { revocationSchema, type Revocation } from './revocation';

/**
 * When to read CloudTrail, and when to stop (invariant 9, docs/security-invariants.md; docs/aws-facts.md). CloudTrail delivers management events about
 * five minutes after the call, with no guarantee, so the audit:
 *
 * 1. starts reading `delayMinutes` after the last moment any of the request's credentials could produce an
 *    event (`silentAfter`: the latest STS expiry — after the approved expiry, calls are denied by the time
 *    fence but still recorded);
 * 2. reads again every minute, until two consecutive polls, each after a first baseline poll, find no
 *    event the poll before had not (the trail has settled: complete), or
 * 3. until `maxLagMinutes` after `silentAfter`, when it writes what it has and says it is incomplete.
 *
 * The state machine does the waiting (a Lambda lives 15 minutes at most, the lag may be longer); this state
 * travels between polls in the execution, so it stays small: counts and a digest, never the events.
 */

export const AUDIT_POLL_INTERVAL_SECONDS = 60;

/** Consecutive polls that must find nothing new after the baseline poll. */
export const QUIET_POLLS_TO_SETTLE = 2;

/**
 * Minutes the audit needs after the delivery lag to see the trail settle: a baseline poll, then the quiet
 * ones, a poll interval each. A maximum lag shorter than the delay plus this could never give a complete
 * report, so the config refuses it.
 */
export const AUDIT_SETTLE_MINUTES = ((1 + QUIET_POLLS_TO_SETTLE) * AUDIT_POLL_INTERVAL_SECONDS) / 60;

/**
 * Margin on both ends of the LookupEvents window: `issuedAt` comes from the broker's clock, event times
 * from AWS's. The window is by access key, so a wider window cannot pick up anybody else's calls.
 */
export const WINDOW_MARGIN_MS = 5 * 60_000;

/** IAM and global STS events are recorded in us-east-1, whatever region the agent worked in. */
export const GLOBAL_EVENTS_REGION = 'us-east-1';

/** Every configured region plus us-east-1, each once, in a stable order. */
export function auditRegions(configured: readonly string[]): string[] {
  return [...new Set([...configured, GLOBAL_EVENTS_REGION])];
}

export const auditCredentialSchema = issuedCredentialsSchema.extend({
  /** The credentials the grant handed over (false: minted by an attempt that failed). */
  delivered: z.boolean(),
});

export type AuditCredential = z.infer<typeof auditCredentialSchema>;

const iso = z.iso.datetime();
const count = z.number().int().nonnegative();

export const auditStateSchema = z.object({
  /** Every credential set issued for the request; a handful at most (mint retries). */
  credentials: z.array(auditCredentialSchema).max(32),
  revocation: revocationSchema.optional(),
  window: z.object({ start: iso, end: iso }),
  /** No event can be recorded for these credentials after this moment. */
  silentAfter: iso,
  /** Polling gives up here; the report is then incomplete unless the trail had settled. */
  deadline: iso,
  /** When the next poll should run; the state machine's Wait states wait until it. */
  nextPollAt: iso,
  polls: count,
  quietPolls: count,
  eventCount: count,
  /** SHA-256 over the sorted event ids the last poll found. */
  eventIdsDigest: z.string(),
  firstPollAt: iso.optional(),
  lastPollAt: iso.optional(),
  /** When a poll last found something new. */
  lastChangeAt: iso.optional(),
  done: z.boolean(),
  report: reportLocationSchema.optional(),
});

export type AuditState = z.infer<typeof auditStateSchema>;

export interface AuditTiming {
  readonly delayMinutes: number;
  readonly maxLagMinutes: number;
}

const latest = (times: readonly string[]) => new Date(Math.max(...times.map((t) => Date.parse(t))));
const earliest = (times: readonly string[]) => new Date(Math.min(...times.map((t) => Date.parse(t))));
const addMs = (d: Date, ms: number) => new Date(d.getTime() + ms);

/**
 * The first audit state for a request's credentials. Without credentials there is nothing to read:
 * the state is `done` at once and no report is written.
 */
export function planAudit(
  credentials: readonly AuditCredential[],
  revocation: Revocation | undefined,
  timing: AuditTiming,
  now: Date,
): AuditState {
  const base = { credentials: [...credentials], ...(revocation ? { revocation } : {}), polls: 0, quietPolls: 0, eventCount: 0, eventIdsDigest: '' };
  if (credentials.length === 0) {
    const at = now.toISOString();
    return { ...base, window: { start: at, end: at }, silentAfter: at, deadline: at, nextPollAt: at, done: true };
  }
  const silentAfter = latest(credentials.flatMap((c) => [c.stsExpiresAt, c.expiresAt]));
  const fenceClosed = latest(credentials.map((c) => c.expiresAt));
  const windowEnd = new Date(Math.max(addMs(fenceClosed, timing.maxLagMinutes * 60_000).getTime(), silentAfter.getTime()));
  const firstPoll = addMs(silentAfter, timing.delayMinutes * 60_000);
  return {
    ...base,
    window: {
      start: addMs(earliest(credentials.map((c) => c.issuedAt)), -WINDOW_MARGIN_MS).toISOString(),
      end: addMs(windowEnd, WINDOW_MARGIN_MS).toISOString(),
    },
    silentAfter: silentAfter.toISOString(),
    deadline: addMs(silentAfter, timing.maxLagMinutes * 60_000).toISOString(),
    nextPollAt: (firstPoll > now ? firstPoll : now).toISOString(),
    done: false,
  };
}

/** What one poll found, reduced to what the next poll compares with. */
export interface PollObservation {
  readonly eventIds: Iterable<string>;
  /** False when any region could not be read to the end: such a poll never counts as quiet. */
  readonly readEverything: boolean;
}

export function eventIdsDigest(ids: Iterable<string>): { count: number; digest: string } {
  const sorted = [...new Set(ids)].sort();
  return { count: sorted.length, digest: createHash('sha256').update(sorted.join('\n')).digest('hex') };
}

export interface PollVerdict {
  readonly state: AuditState;
  /** Whether the report can be called complete (only meaningful once `state.done`). */
  readonly complete: boolean;
  readonly reason: string;
}

/** Folds one poll into the audit state: settled, out of time, or poll again in a minute. */
export function observePoll(state: AuditState, observation: PollObservation, now: Date, timing: AuditTiming): PollVerdict {
  const { count: eventCount, digest } = eventIdsDigest(observation.eventIds);
  const nothingNew = state.polls > 0 && eventCount === state.eventCount && digest === state.eventIdsDigest;
  const quietPolls = observation.readEverything && nothingNew ? state.quietPolls + 1 : 0;
  const at = now.toISOString();
  const settled = quietPolls >= QUIET_POLLS_TO_SETTLE;
  const outOfTime = now.getTime() >= Date.parse(state.deadline);
  const done = settled || outOfTime;
  const nextPoll = Math.min(now.getTime() + AUDIT_POLL_INTERVAL_SECONDS * 1000, Date.parse(state.deadline));
  const next: AuditState = {
    ...state,
    polls: state.polls + 1,
    quietPolls,
    eventCount,
    eventIdsDigest: digest,
    firstPollAt: state.firstPollAt ?? at,
    lastPollAt: at,
    ...(nothingNew ? {} : { lastChangeAt: at }),
    nextPollAt: new Date(Math.max(nextPoll, now.getTime())).toISOString(),
    done,
  };

  let reason: string;
  if (settled) {
    reason =
      `CloudTrail settled: ${QUIET_POLLS_TO_SETTLE} consecutive polls a minute apart found no new event, ` +
      `the first ${timing.delayMinutes} min after the credentials stopped working (${next.polls} polls).`;
  } else if (!observation.readEverything) {
    reason = `Not every region could be read to the end (nor, where configured, every folder of the data-event trail) by the deadline ${state.deadline} (maximum lag ${timing.maxLagMinutes} min); events are missing.`;
  } else {
    reason =
      `The maximum lag of ${timing.maxLagMinutes} min after the credentials stopped working passed before the trail settled ` +
      `(last new events found at ${next.lastChangeAt ?? at}); events CloudTrail delivers later are missing.`;
  }
  return { state: next, complete: settled, reason };
}

/**
 * When a grant's report can be expected: at the earliest once the trail was first read `delayMinutes`
 * after the credentials went silent (the later of the approved expiry and the STS expiry, at least 15
 * minutes after issue) and stayed quiet for the polls that settle it; at the latest `maxLagMinutes`
 * after they went silent. For people waiting on it (the sandbox's home page, docs/audit.md).
 */
export function reportDue(grant: { readonly expiresAt: string; readonly stsExpiresAt: string }, timing: AuditTiming): { earliest: Date; latest: Date } {
  const silentAfter = latest([grant.expiresAt, grant.stsExpiresAt]);
  return {
    earliest: addMs(silentAfter, (timing.delayMinutes * 60 + QUIET_POLLS_TO_SETTLE * AUDIT_POLL_INTERVAL_SECONDS) * 1000),
    latest: addMs(silentAfter, timing.maxLagMinutes * 60_000),
  };
}
