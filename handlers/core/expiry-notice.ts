import { z } from 'zod';
import type { ApprovalDecision } from './approval-decision';
import { type RequestRouting, sameApprover } from './approver-routing';
import type { GrantSummary } from './grant';
import { isoSeconds } from './grant-window';
import type { RequestStatus } from './request-record';

/**
 * Pre-expiry notices (docs/agent.md#before-a-grant-expires): the agent and the approvers who approved a grant
 * hear from the broker a configurable time (`notifications.beforeExpiryMinutes`) before it expires, so the
 * agent can finish, hand back or extend in time. The notice is a courtesy: nothing about the reset depends
 * on it, and it is skipped whenever it would say something no longer true.
 */

/** Minutes before a grant's expiry its notice goes out, when the config says nothing. */
export const DEFAULT_BEFORE_EXPIRY_MINUTES = 5;

/**
 * The most the config may ask for: a grant is at most a chained STS session (60 minutes), so a notice 60
 * minutes ahead could never fall inside a grant.
 */
export const MAX_BEFORE_EXPIRY_MINUTES = 59;

/** What PlanNotice hands the workflow at `$.notice`. */
export const noticePlanSchema = z.union([
  z.object({
    due: z.literal(true),
    /**
     * When to send it: whole seconds, uppercase `T` and `Z`, as a Wait state's `TimestampPath` requires
     * (Step Functions truncates milliseconds anyway).
     * @see https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html
     */
    at: z.iso.datetime(),
    /** The credential set the notice is about; NotifyExpiring skips when the record holds another. */
    grantId: z.string(),
    minutesBefore: z.number().int().min(1).max(MAX_BEFORE_EXPIRY_MINUTES),
  }),
  z.object({ due: z.literal(false), why: z.enum(['off', 'too-short', 'already-expired']) }),
]);

export type NoticePlan = z.infer<typeof noticePlanSchema>;

/**
 * When the notice of a credential set goes out, if at all.
 *
 * - `minutesBefore` 0 turns notices off.
 * - A grant's first set that lasts `minutesBefore` or less gets none: its notice would come as it is granted,
 *   and the Granted event already says when it expires.
 * - A set an extension delivered (`extends`) is taken over by the live execution at the old expiry; its
 *   notice comes `minutesBefore` its own expiry, or at once when that moment has already passed (an
 *   extension of fewer minutes than `minutesBefore`): the agent last heard of the old expiry.
 * - A late plan (retries) never waits for a moment in the past: the notice goes at once.
 */
export function planNotice(grant: Pick<GrantSummary, 'grantId' | 'grantedAt' | 'expiresAt' | 'extends'>, minutesBefore: number, now: Date): NoticePlan {
  if (minutesBefore <= 0) return { due: false, why: 'off' };
  const expiresAt = Date.parse(grant.expiresAt);
  const ideal = expiresAt - minutesBefore * 60_000;
  if (grant.extends === undefined && ideal <= Date.parse(grant.grantedAt)) return { due: false, why: 'too-short' };
  // A notice must leave the agent at least a second; the Wait truncates to whole seconds.
  if (expiresAt - now.getTime() < 1000) return { due: false, why: 'already-expired' };
  const at = new Date(Math.floor(Math.max(ideal, now.getTime()) / 1000) * 1000);
  return { due: true, at: isoSeconds(at), grantId: grant.grantId, minutesBefore };
}

/**
 * The attributes NotifyExpiring reads of a request, and all the notify function's role may read: never the
 * task token or the link hashes (infra/constructs/notify-function.ts).
 */
export const EXPIRY_FACT_ATTRIBUTES = ['status', 'grant', 'revokedAt', 'decision', 'routing'] as const;

/** What NotifyExpiring reads back of the request (a projected GetItem): enough to tell whether the notice still holds. */
export interface ExpiryFacts {
  readonly status: RequestStatus;
  readonly grant?: Pick<GrantSummary, 'grantId' | 'expiresAt' | 'role'>;
  readonly revokedAt?: string;
  readonly decision?: ApprovalDecision;
  readonly routing?: RequestRouting;
}

/** Why a due notice was not sent after all. */
export type NoticeSkip = 'not-granted' | 'revoked' | 'extended';

/**
 * Whether the notice for `grantId` is still true when it is due: the request still GRANTED, not revoked or
 * ended early, and the set waited for still the request's grant. When an extension replaced it, the
 * extension's set gets its own notice (the live execution plans one when it takes the set over).
 */
export function noticeSkip(facts: ExpiryFacts | undefined, grantId: string): NoticeSkip | undefined {
  if (!facts || facts.status !== 'GRANTED') return 'not-granted';
  if (facts.revokedAt !== undefined) return 'revoked';
  if (facts.grant?.grantId !== grantId) return 'extended';
  return undefined;
}

/**
 * Who is emailed the notice: the approvers who approved the grant (every approver of a quorum). A grant no
 * other human approved — by a rule of `approval.rules`, or break-glass by its own requester — goes to the
 * approvers routed to the request instead, who are the ones accountable for it.
 */
export function noticeRecipients(decision: ApprovalDecision | undefined, routed: readonly string[]): string[] {
  const human = decision && decision.channel !== 'rule' && !decision.breakGlass;
  const approvers = human ? (decision.approvers?.map((a) => a.approver) ?? [decision.approver]) : [...routed];
  return approvers.filter((address, i) => address.includes('@') && approvers.findIndex((other) => sameApprover(other, address)) === i);
}

/** Whole minutes left at `now`, rounded up (a notice at 4 min 59 s says 5). */
export function minutesLeft(expiresAt: string, now: Date): number {
  return Math.max(0, Math.ceil((Date.parse(expiresAt) - now.getTime()) / 60_000));
}
