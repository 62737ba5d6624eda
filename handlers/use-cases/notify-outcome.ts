import { z } from 'zod';
import { AGENT_SOURCE_PATTERN } from '../core/agents';
import { approvalDecisionSchema } from '../core/approval-decision';
import { BROKER_OUTCOMES, type BrokerEventDetail, type BrokerOutcome } from '../core/broker-event';
import { describeRejectedRequest, elevationRequestSchema } from '../core/elevation-request';
import { APPROVAL_DENIED_ERROR } from '../core/errors';
import { grantSummarySchema } from '../core/grant';
import { reportLocationSchema } from '../core/report-location';
import { isRecordedStatus } from '../core/request-lifecycle';
import { STATUS_OF_OUTCOME } from '../core/request-status';
import type { Clock } from '../ports/clock';
import type { EventPublisher } from '../ports/event-publisher';
import type { GrantLeases } from '../ports/grant-leases';
import type { RequestStore, StatusUpdate } from '../ports/request-store';
import { blockingLease } from '../core/grant-lease';
import { releaseGrantLease } from './grant-lease';

/** A Step Functions error object, as a Catch with a ResultPath puts it into the state. */
const caughtErrorSchema = z.object({ Error: z.string(), Cause: z.string().optional() });

export const notifyInputSchema = z.object({
  outcome: z.enum(BROKER_OUTCOMES),
  /** Which step failed, for `Failed`. */
  stage: z.string().max(32).optional(),
  request: elevationRequestSchema.optional(),
  /** The raw request event, for `Rejected` (the request never validated). */
  event: z.unknown().optional(),
  decision: approvalDecisionSchema.optional(),
  grant: grantSummarySchema.optional(),
  report: reportLocationSchema.optional(),
  error: caughtErrorSchema.optional(),
  /** For `Duplicate Refused`: the request Register refused (its id belongs to another request). */
  refused: z
    .object({
      requestId: z.string(),
      accountId: z.string(),
      role: z.string(),
      minutes: z.number(),
      contentDigest: z.string().regex(/^[0-9a-f]{64}$/),
      agentSource: z.string().regex(AGENT_SOURCE_PATTERN).optional(),
    })
    .optional(),
  /** For `Ended`: whether the reset found this grant in the secret or something newer. */
  resetOutcome: z.enum(['reset', 'already-reset', 'not-current']).optional(),
});

export type NotifyInput = z.infer<typeof notifyInputSchema>;


const MAX_REASON = 500;

/** What a caught error without a message of its own stands for, in words (never the error's name). */
const ERROR_WORDS: Readonly<Record<string, string>> = {
  [APPROVAL_DENIED_ERROR]: 'denied without a reason',
  'States.Timeout': 'the step timed out',
  'States.TaskFailed': 'the step failed',
  ThrottledError: 'AWS throttled the step, and retries did not get through',
  TransientAwsError: 'AWS failed the step, and retries did not get through',
};

/**
 * A readable, bounded reason from a caught error, for people and agents: the message only. Lambda errors
 * arrive with a JSON `Cause` holding `errorMessage`; a denial's `Cause` is the approver's text. Internal
 * error names (`ApprovalDeniedError`, `TransientAwsError`) are the state machine's vocabulary, not a
 * reason: they stand in only, as words, when there is no message. Our errors never carry secret material.
 */
export function reasonFromError(error: { Error: string; Cause?: string } | undefined): string | undefined {
  if (!error) return undefined;
  let message = error.Cause ?? '';
  try {
    const cause = JSON.parse(message) as { errorMessage?: unknown; reason?: unknown };
    if (typeof cause.errorMessage === 'string') message = cause.errorMessage;
    else if (typeof cause.reason === 'string') message = cause.reason;
  } catch {
    // A plain-text cause is used as it is.
  }
  const text = message.trim() || ERROR_WORDS[error.Error] || 'the step failed';
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON - 1)}…` : text;
}

export interface NotifyOutcomeDeps {
  readonly store: RequestStore;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  /** One live grant per agent and account: freed when a grant is over, read to name the live one in a refusal. */
  readonly leases: GrantLeases;
}

/** Outcomes after which the request's grant, if it had one, is over and its lease free. */
const LEASE_ENDING_OUTCOMES: ReadonlySet<BrokerOutcome> = new Set(['Ended', 'Revoked', 'Failed']);

/**
 * Records an outcome on the request and publishes its broker event. Every path of the workflow,
 * successful or not, ends here, so no request ends in silence.
 */
export async function notifyOutcome(input: NotifyInput, deps: NotifyOutcomeDeps): Promise<{ published: BrokerOutcome | null }> {
  const { outcome, request, grant, decision, report, error, stage, resetOutcome, refused } = input;

  const identity = request
    ? { requestId: request.requestId, account: request.accountId, accountName: request.accountName, role: request.role }
    : refused
      ? { requestId: refused.requestId, account: refused.accountId, role: refused.role, minutes: refused.minutes, contentDigest: refused.contentDigest }
      : describeRejectedRequest(input.event);
  const agentSource = request ? request.agentSource : refused ? refused.agentSource : 'agentSource' in identity ? identity.agentSource : undefined;
  const reason = outcome === 'Denied' || outcome === 'Rejected' || outcome === 'Failed' || outcome === 'Refused' ? reasonFromError(error) : undefined;
  const live = outcome === 'Refused' && request?.agentId ? blockingLease(await deps.leases.get(request.agentId, request.accountId), request.requestId, deps.clock.now()) : undefined;

  const detail: BrokerEventDetail = {
    ...identity,
    ...(decision ? { role: decision.role, minutes: decision.minutes } : request ? { minutes: request.minutes } : {}),
    ...(grant ? { expiresAt: grant.expiresAt, grantId: grant.grantId, ...(outcome === 'Granted' && grant.proofs ? { proofs: grant.proofs } : {}) } : {}),
    ...(report
      ? {
          reportUri: report.jsonUri,
          markdownUri: report.markdownUri,
          reportVersionIds: { json: report.jsonVersionId, markdown: report.markdownVersionId },
          reportSha256: report.sha256,
          markdownSha256: report.markdownSha256,
          complete: report.complete,
          completeness: report.completeness,
          eventCount: report.eventCount,
          summary: report.summary,
        }
      : {}),
    ...(reason ? { reason } : {}),
    ...(refused
      ? { reason: `Request id ${refused.requestId} is already used by a different request; this one was not registered. Send it again with a new request id.` }
      : {}),
    ...(stage ? { stage } : {}),
    ...(resetOutcome ? { resetOutcome } : {}),
    ...(live ? { liveRequestId: live.holder, liveUntil: live.expiresAt } : {}),
    // An extension's events name the live request they would extend (or did).
    ...(request?.extension ? { extensionOf: request.extension.requestId } : {}),
    // Each agent's notification queue takes only the events of its own requests (infra/constructs/agent-notifications.ts);
    // a refused or rejected request that was never stored still names its sender (the event's source).
    ...(agentSource ? { agentSource } : {}),
  };

  const status = STATUS_OF_OUTCOME[outcome];
  if (outcome === 'Extended' && request?.extension && grant) {
    // The live request now holds the new set: `jit status`, `jit end` and `jit revoke` act on it. A
    // compare-and-swap on the set it replaced, so a retry (already recorded) or a revoke in between changes nothing.
    await deps.store.recordExtension(request.extension.requestId, grant, request.extension.grantId, deps.clock.now());
  }
  if (outcome === 'Audited' && !grant && report && request) {
    // The audit of a failed mint: the request stays FAILED, the record learns where the report is.
    await deps.store.attachReport(request.requestId, report, deps.clock.now());
  } else if (status && isRecordedStatus(status) && request) {
    const update: StatusUpdate = {
      ...(grant ? { grant } : {}),
      ...(report ? { report } : {}),
      ...(decision ? { decision } : {}),
      ...(reason && outcome === 'Failed' ? { failure: reason } : {}),
    };
    const moved = await deps.store.setStatus(request.requestId, status, update, deps.clock.now());
    // Safe to repeat and conditional on the holder: a lease since taken by another request stays.
    if (LEASE_ENDING_OUTCOMES.has(outcome) && moved) await releaseGrantLease(request, deps);
    // An early end or revoke already published how the grant ended; the workflow's own reset at expiry
    // found nothing to do, and a second end event would only confuse subscribers. But when an earlier
    // attempt of this same Notify recorded ENDED and died before publishing, the event must still go out.
    if (!moved && outcome === 'Ended' && !(await deps.store.heldStatusFromWorkflow(request.requestId, status, deps.clock.now()))) {
      return { published: null };
    }
  }
  await deps.publisher.publish({ outcome, detail });
  return { published: outcome };
}
