import { type BreakGlassMark, breakGlassProblems, type PostReview, postReviewOf } from '../core/break-glass';
import { renderBreakGlassAlert } from '../core/break-glass-email';
import { breakGlassSlackMessage } from '../core/break-glass-slack';
import type { ChatAlerts } from '../ports/chat-alerts';
import type { EventPublisher } from '../ports/event-publisher';
import { type DecideOutcome, type DecideRequestDeps, decideRequest } from './decide-request';

export interface BreakGlassDeps extends DecideRequestDeps {
  readonly publisher: EventPublisher;
  /** The chat workspace, when `approval.slack` is configured: the alert goes where the prompts go. */
  readonly chatAlerts?: ChatAlerts;
}

/** A terminal approver, authenticated by IAM on the approver routes and mapped to a configured approver. */
export interface TerminalApprover {
  readonly approver: string;
  readonly principal: string;
}

export type BreakGlassOutcome =
  /** Not a break-glass self-approval the config allows; nothing changed. */
  | { readonly kind: 'refused'; readonly problems: readonly string[] }
  /** The decision's own outcome; when approved, `alerts` says which alerts went out. */
  | (DecideOutcome & { readonly alerts?: BreakGlassAlerts });

/** Which alerts went out; `slack` is absent without `approval.slack`. */
export interface BreakGlassAlerts {
  readonly email: boolean;
  readonly event: boolean;
  readonly slack?: boolean;
}

/**
 * A requester approves their own request for a `breakGlass` role (docs/approvals.md#break-glass):
 * checked (`breakGlassProblems`), decided through the single decision like any other approval, with the
 * break-glass mark in the decision; then every approver is emailed at once and `Elevation Break Glass`
 * is published. A failed alert never undoes the delivered decision; the outcome says which went out.
 */
export async function breakGlassApprove(
  requestId: string,
  caller: TerminalApprover,
  input: { readonly role?: string; readonly minutes?: number; readonly reason?: string },
  deps: BreakGlassDeps,
): Promise<BreakGlassOutcome> {
  const record = await deps.store.get(requestId);
  if (!record) return { kind: 'not-found' };
  const problems = breakGlassProblems(deps.settings, record, caller.approver, input);
  const limit = deps.settings.breakGlassRoles?.[input.role ?? record.role];
  if (problems.length > 0 || !limit || !input.reason) return { kind: 'refused', problems };
  const mark: BreakGlassMark = { reason: input.reason.trim(), maxMinutes: limit.maxMinutes };
  const outcome = await decideRequest(
    requestId,
    { channel: 'cli', approver: caller.approver, principal: caller.principal },
    { action: 'approve', ...(input.role ? { role: input.role } : {}), ...(input.minutes ? { minutes: input.minutes } : {}), breakGlass: mark },
    deps,
  );
  if (outcome.kind !== 'approved') return outcome;
  const decision = { ...outcome.decision, breakGlass: mark };
  let email = true;
  try {
    await deps.mailer.send({ from: deps.settings.sender, to: deps.settings.approvers, ...renderBreakGlassAlert(record, decision) });
  } catch {
    email = false;
  }
  let event = true;
  try {
    await deps.publisher.publish({
      outcome: 'Break Glass',
      detail: {
        requestId,
        account: record.accountId,
        accountName: record.accountName,
        role: decision.role,
        minutes: decision.minutes,
        operator: caller.approver,
        principal: caller.principal,
        reason: mark.reason,
        maxMinutes: mark.maxMinutes,
        decidedAt: decision.decidedAt,
        ...(record.agentSource ? { agentSource: record.agentSource } : {}),
      },
    });
  } catch {
    event = false;
  }
  let slack: boolean | undefined;
  if (deps.chatAlerts) {
    try {
      await deps.chatAlerts.alert(breakGlassSlackMessage(record, decision));
      slack = true;
    } catch {
      slack = false;
    }
  }
  return { ...outcome, alerts: { email, event, ...(slack === undefined ? {} : { slack }) } };
}

export type AckOutcome =
  | { readonly kind: 'acknowledged'; readonly postReview: PostReview }
  /** Someone acknowledged it before: nothing changed, the earlier acknowledgement stands. */
  | { readonly kind: 'already-acknowledged'; readonly postReview: PostReview }
  /** Not a break-glass approval, or the operator acknowledging their own. */
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'not-found' };

/**
 * An approver other than the operator acknowledges a break-glass approval after reviewing it (`jit ack`).
 * Recorded once, with who and when; a second acknowledgement answers `already-acknowledged`.
 */
export async function acknowledgeBreakGlass(requestId: string, caller: TerminalApprover, deps: Pick<DecideRequestDeps, 'store' | 'clock'>): Promise<AckOutcome> {
  const record = await deps.store.get(requestId);
  if (!record) return { kind: 'not-found' };
  const review = postReviewOf(record);
  if (!review) return { kind: 'refused', reason: `request ${requestId} was not approved by break-glass: nothing to acknowledge` };
  if (review.status === 'acknowledged') return { kind: 'already-acknowledged', postReview: review };
  if (review.operator.trim().toLowerCase() === caller.approver.trim().toLowerCase()) {
    return { kind: 'refused', reason: `${caller.approver} broke glass on ${requestId}; another approver must acknowledge it` };
  }
  const now = deps.clock.now();
  const ack = { approver: caller.approver, principal: caller.principal, acknowledgedAt: now.toISOString() };
  const recorded = await deps.store.acknowledgePostReview(requestId, ack, now);
  const latest = (await deps.store.get(requestId)) ?? { ...record, postReviewAck: ack };
  const postReview = postReviewOf(latest) ?? review;
  return recorded ? { kind: 'acknowledged', postReview } : { kind: 'already-acknowledged', postReview };
}
