import type { RequestRecord } from '../core/request-record';
import type { Clock } from '../ports/clock';
import type { DecisionClaim, RequestStore } from '../ports/request-store';
import type { CallbackResult, TaskCallbacks } from '../ports/task-callbacks';

export interface RedeliverDecisionDeps {
  readonly store: Pick<RequestStore, 'settleDecision'>;
  readonly callbacks: TaskCallbacks;
  readonly clock: Clock;
}

/** How many times one approver action tries to hand a decision to the workflow, and the first pause. */
export const DELIVERY_ATTEMPTS = 3;
export const DELIVERY_FIRST_PAUSE_MS = 200;

/**
 * Sends a decision to the waiting task, trying again with exponential backoff on a fault (the SDK's own
 * retries come first: these cover a fault that outlasts them). `gone` is an answer, not a fault.
 */
export async function sendDecision(
  taskToken: string,
  outcome: DecisionClaim['outcome'],
  callbacks: TaskCallbacks,
  pause: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<CallbackResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return outcome.status === 'APPROVED'
        ? await callbacks.approve(taskToken, outcome.decision)
        : await callbacks.deny(taskToken, outcome.denial.reason || `Denied by ${outcome.denial.approver} without a reason.`);
    } catch (error) {
      if (attempt >= DELIVERY_ATTEMPTS) throw error;
      await pause(DELIVERY_FIRST_PAUSE_MS * 2 ** (attempt - 1));
    }
  }
}

/**
 * A decision that was claimed but whose delivery never finished: the approver's call died between the
 * claim and settling it (a Lambda timeout, a crash), so the record still says APPROVED or DENIED and still
 * holds the task token. Without this it would wait, stranded, until the approval window closes.
 */
export function pendingDelivery(record: RequestRecord): DecisionClaim | undefined {
  if (!record.taskToken || !record.decidedAt) return undefined;
  if (record.status === 'APPROVED' && record.decision) {
    return { outcome: { status: 'APPROVED', decision: record.decision }, decidedAt: record.decidedAt };
  }
  if (record.status === 'DENIED' && record.denial) {
    return { outcome: { status: 'DENIED', denial: record.denial }, decidedAt: record.decidedAt };
  }
  return undefined;
}

/**
 * Finishes delivering a stranded decision from the stored token (the reconciler run on the next approve
 * or deny of the request). Delivered, or the token is gone (the task already had it, timed out or was
 * stopped — the workflow records which, as Granted, Denied or Approval Expired): the token is dropped and
 * the decision stands. A fault: the claim stays as it is for the next try.
 */
export async function redeliverDecision(
  record: RequestRecord,
  claim: DecisionClaim,
  deps: RedeliverDecisionDeps,
): Promise<'delivered' | 'undelivered'> {
  if (!record.taskToken) return 'delivered';
  try {
    await sendDecision(record.taskToken, claim.outcome, deps.callbacks);
  } catch {
    return 'undelivered';
  }
  // `delivered` only drops the token, whatever status the workflow has moved to.
  await deps.store.settleDecision(record.requestId, claim, 'delivered', deps.clock.now());
  return 'delivered';
}
