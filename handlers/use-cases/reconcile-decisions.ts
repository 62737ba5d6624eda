import type { BrokerSettings } from '../core/broker-settings';
import type { RequestRecord } from '../core/request-record';
import type { Clock } from '../ports/clock';
import type { EventPublisher } from '../ports/event-publisher';
import type { DecisionClaim, RequestStore } from '../ports/request-store';
import type { TaskCallbacks } from '../ports/task-callbacks';
import { pendingDelivery, sendDecision } from './redeliver-decision';

export interface ReconcileDecisionsDeps {
  readonly store: Pick<RequestStore, 'listClaimedDecisions' | 'get' | 'settleDecision' | 'setStatus'>;
  readonly callbacks: TaskCallbacks;
  readonly publisher: EventPublisher;
  readonly settings: Pick<BrokerSettings, 'approvalWindowMinutes'>;
  readonly clock: Clock;
  /** Pause between delivery attempts; tests pass one that does not wait. */
  readonly pause?: (ms: number) => Promise<void>;
}

/**
 * How old a claim must be before the reconciler touches it: longer than the approver functions run (15 s
 * timeout), so a decision whose own delivery is still under way is left to it.
 */
export const RECONCILE_GRACE_SECONDS = 60;

/**
 * How long after a claim (and after the approval window) a workflow that no longer takes the token has to
 * record the outcome itself, before the reconciler calls the request failed. The token is refused
 * (`TaskTimedOut`, `InvalidToken`) when the task already had its answer, timed out, or its execution was
 * stopped; in the first two cases the workflow records the outcome (Granted, Denied, Approval Expired)
 * within the mint's retries, well inside this bound. Only a stopped execution leaves the claim stranded.
 */
export const GONE_SETTLE_MINUTES = 15;

/** What one run of the reconciler did, by request id. */
export interface ReconcileReport {
  /** Stranded decisions this run delivered to the waiting workflow. */
  readonly delivered: string[];
  /** Decisions nothing waits for any more, and no workflow recorded: now FAILED, with `Elevation Failed`. */
  readonly failed: string[];
  /** Left for later: too fresh, refused but within the settling bound, or a fault while delivering. */
  readonly deferred: string[];
}

/**
 * The periodic reconciler of claimed decisions (docs/reliability.md): an approver's call that died between
 * claiming the decision and delivering it leaves the request APPROVED or DENIED with its task token. Once a
 * minute (an EventBridge Scheduler `rate(1 minute)` schedule) this finds those claims among the requests of
 * the last approval window and delivers each stored decision, idempotently: the claim is read from the
 * record, never made again, and a delivered one drops its token so the next run skips it.
 *
 * When the token is refused (`TaskTimedOut`, `InvalidToken`), nothing waits for the decision any more. If the
 * workflow has not recorded an outcome within `GONE_SETTLE_MINUTES` of the claim and of the window's end,
 * its execution is gone (stopped): the request ends FAILED, visibly, with `Elevation Failed`.
 *
 * @see https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
 */
export async function reconcileDecisions(deps: ReconcileDecisionsDeps): Promise<ReconcileReport> {
  const now = deps.clock.now();
  // A claim can only exist within an approval window; an older one that still holds a token is past
  // settling too, so the lookback covers both with room for a retried AwaitApproval.
  const since = new Date(now.getTime() - (2 * deps.settings.approvalWindowMinutes + GONE_SETTLE_MINUTES) * 60_000);
  const report: ReconcileReport = { delivered: [], failed: [], deferred: [] };
  for (const requestId of await deps.store.listClaimedDecisions(since)) {
    const record = await deps.store.get(requestId);
    const claim = record && pendingDelivery(record);
    if (!record || !claim) continue;
    if (Date.parse(claim.decidedAt) > now.getTime() - RECONCILE_GRACE_SECONDS * 1000) {
      report.deferred.push(requestId);
      continue;
    }
    report[await reconcileOne(record, claim, now, deps)].push(requestId);
  }
  return report;
}

async function reconcileOne(record: RequestRecord, claim: DecisionClaim, now: Date, deps: ReconcileDecisionsDeps): Promise<keyof ReconcileReport> {
  let result;
  try {
    result = await sendDecision(record.taskToken!, claim.outcome, deps.callbacks, deps.pause);
  } catch {
    return 'deferred';
  }
  if (result === 'delivered') {
    await deps.store.settleDecision(record.requestId, claim, 'delivered', deps.clock.now());
    return 'delivered';
  }
  const settled = Math.max(Date.parse(claim.decidedAt), Date.parse(record.approvalDeadline ?? claim.decidedAt)) + GONE_SETTLE_MINUTES * 60_000;
  if (now.getTime() < settled) return 'deferred';
  const who = claim.outcome.status === 'APPROVED' ? claim.outcome.decision.approver : claim.outcome.denial.approver;
  const failure =
    `The ${claim.outcome.status === 'APPROVED' ? 'approval' : 'denial'} by ${who} never reached the workflow, which no longer waits for it ` +
    '(its execution was stopped); nothing was granted. Send the request again.';
  // Conditional on the lifecycle: a workflow that recorded its own outcome meanwhile wins, and nothing is published.
  if (!(await deps.store.setStatus(record.requestId, 'FAILED', { failure }, deps.clock.now()))) return 'deferred';
  await deps.publisher.publish({
    outcome: 'Failed',
    detail: {
      requestId: record.requestId,
      account: record.accountId,
      accountName: record.accountName,
      role: record.role,
      minutes: record.minutes,
      stage: 'approval',
      reason: failure,
      ...(record.agentSource ? { agentSource: record.agentSource } : {}),
    },
  });
  return 'failed';
}
