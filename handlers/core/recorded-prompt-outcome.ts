import type { BrokerOutcome } from './broker-event';
import type { RequestRecord } from './request-record';
import type { PromptOutcome } from './slack-message';

/**
 * The broker events after which a request's Slack prompts may be out of date, because its decision (or its
 * end without one) was made outside Slack: on the review page, with `jit approve`/`deny`, by a rule, by
 * break-glass, or by the approval window's end. The stack's rule delivers these to the interactions
 * function, which settles the prompts from the request table (`recordedPromptOutcome`), never from the
 * event. `Granted` and `Extended` follow every approval that issued something, `Break Glass` comes at the
 * moment of a self-approval, `Failed` and `Refused` end requests approved but never issued (and approval
 * steps that failed).
 */
export const PROMPT_SETTLING_OUTCOMES = ['Granted', 'Extended', 'Denied', 'Break Glass', 'Approval Expired', 'Failed', 'Refused'] as const satisfies readonly BrokerOutcome[];

/** What every copy of the prompt says once the approval window closed without a decision. */
export const WINDOW_CLOSED: PromptOutcome = { kind: 'closed', why: 'The approval window closed; nothing was granted.' };

/**
 * What the prompts of a request should show, from what the table records: the approval (with its
 * break-glass mark), the denial, the window's end, or why it closed. `undefined` while it still waits for
 * a decision: the buttons stay.
 */
export function recordedPromptOutcome(record: Pick<RequestRecord, 'status' | 'decision' | 'denial' | 'grant'>): PromptOutcome | undefined {
  const { status, decision, denial } = record;
  if (status === 'REGISTERED' || status === 'PENDING_APPROVAL') return undefined;
  // A decision claimed after the workflow stopped waiting is given back as expired: nothing was granted.
  if (status === 'APPROVAL_EXPIRED') return WINDOW_CLOSED;
  if (denial) return { kind: 'denied', approver: denial.approver, at: denial.decidedAt };
  if (decision) {
    const approvedBy = `Approved by ${decision.approver}`;
    // Approved, but nothing reached the agent: a live grant of the same agent and account, or a mint that failed.
    if (status === 'REFUSED') return { kind: 'closed', why: `${approvedBy}, but a grant of the same agent and account was live; nothing was issued.` };
    if (status === 'FAILED' && !record.grant) return { kind: 'closed', why: `${approvedBy}, but the grant failed; nothing was delivered.` };
    return {
      kind: 'approved',
      approver: decision.approver,
      role: decision.role,
      minutes: decision.minutes,
      at: decision.decidedAt,
      ...(decision.breakGlass ? { breakGlass: true } : {}),
    };
  }
  return { kind: 'closed', why: `Closed (${status}).` };
}
