import { z } from 'zod';
import { requesterAddress, sameApprover } from './approver-routing';
import type { BrokerSettings } from './broker-settings';
import type { RequestRecord } from './request-record';

/** The longest break-glass maximum a role may declare (`roles[].breakGlass.maxMinutes`): break-glass is short. */
export const BREAK_GLASS_MAX_MINUTES = 30;

/** What a break-glass approval adds to its decision: the operator's mandatory reason and the role's maximum. */
export const breakGlassMarkSchema = z.object({
  /** As long as an approver's note may be (MAX_NOTE_LENGTH in approval-decision.ts, which imports this file). */
  reason: z.string().min(1).max(500),
  maxMinutes: z.number().int().min(1).max(BREAK_GLASS_MAX_MINUTES),
});
export type BreakGlassMark = z.infer<typeof breakGlassMarkSchema>;

/** An approver's acknowledgement of a break-glass grant after the fact (`jit ack`), as the record keeps it. */
export const postReviewAckSchema = z.object({
  approver: z.string().min(1).max(254),
  principal: z.string().min(1).max(2048).optional(),
  acknowledgedAt: z.iso.datetime(),
});
export type PostReviewAck = z.infer<typeof postReviewAckSchema>;

/** The post-review mark of a request, as `GET /approvals/{id}`, `jit status` and `jit report` show it. */
export type PostReview =
  | { readonly status: 'pending'; readonly operator: string; readonly reason: string }
  | { readonly status: 'acknowledged'; readonly operator: string; readonly reason: string; readonly acknowledgedBy: string; readonly acknowledgedAt: string };

/** The mark of a break-glass approval; undefined for any other request (nothing to review after the fact). */
export function postReviewOf(record: Pick<RequestRecord, 'decision' | 'postReviewAck'>): PostReview | undefined {
  const mark = record.decision?.breakGlass;
  if (!record.decision || !mark) return undefined;
  const base = { operator: record.decision.approver, reason: mark.reason };
  const ack = record.postReviewAck;
  return ack ? { status: 'acknowledged', ...base, acknowledgedBy: ack.approver, acknowledgedAt: ack.acknowledgedAt } : { status: 'pending', ...base };
}

/** The requester is known by its address, as routing knows it (`requesterApprover`). */
function samePerson(requester: string | undefined, approver: string): boolean {
  return requester !== undefined && sameApprover(requesterAddress(requester), approver);
}

/**
 * Why a break-glass self-approval may not be made (empty when it may): the chosen role is marked
 * `breakGlass`, the approver is the human the request names as its requester, the reason is given, and
 * the minutes are within the role's break-glass maximum. Whoever the approver is was established by IAM
 * on the approver routes; the agent cannot call them (docs/approvals.md#break-glass).
 */
export function breakGlassProblems(
  settings: Pick<BrokerSettings, 'breakGlassRoles'>,
  request: Pick<RequestRecord, 'role' | 'minutes' | 'requester'>,
  approver: string,
  verdict: { readonly role?: string; readonly minutes?: number; readonly reason?: string },
): string[] {
  const problems: string[] = [];
  const role = verdict.role ?? request.role;
  const minutes = verdict.minutes ?? request.minutes;
  const limit = settings.breakGlassRoles?.[role];
  if (!limit) problems.push(`role ${role} is not marked breakGlass: another approver must approve this request`);
  if (!samePerson(request.requester, approver)) {
    problems.push(`break-glass is the requester's own approval: ${approver} is not the requester of this request (${request.requester ?? 'none named'})`);
  }
  if ((verdict.reason?.trim() ?? '').length === 0) problems.push('reason: break-glass needs a reason');
  if (limit && minutes > limit.maxMinutes) problems.push(`minutes: ${minutes} is more than the break-glass maximum of ${limit.maxMinutes} for role ${role}`);
  return problems;
}

/**
 * Mint's second look at a break-glass decision (`checkDecision`): the role must still be `breakGlass` and
 * the minutes within its maximum now, whatever the decision says its maximum was.
 */
export function breakGlassDecisionProblems(settings: Pick<BrokerSettings, 'breakGlassRoles'>, decision: { readonly role: string; readonly minutes: number; readonly breakGlass?: BreakGlassMark }): string[] {
  if (!decision.breakGlass) return [];
  const limit = settings.breakGlassRoles?.[decision.role];
  if (!limit) return [`role ${decision.role} is no longer marked breakGlass`];
  return decision.minutes > limit.maxMinutes ? [`minutes: ${decision.minutes} is more than the break-glass maximum of ${limit.maxMinutes} for role ${decision.role}`] : [];
}
