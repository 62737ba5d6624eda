import type { RequestStatus } from './request-record';

/**
 * The request lifecycle in one table: every status a request may move to, from which status, by which
 * write of the request store and in which step. Anything not listed is refused. The DynamoDB store renders
 * each write's condition from this table (`handlers/adapters/aws/dynamodb-request-store.ts`), so a replayed
 * event, a retried task or a late writer can never move a request backwards or overwrite how it ended.
 *
 * Reading it top to bottom is the life of a request:
 *
 * ```
 * (none) → REGISTERED → PENDING_APPROVAL → APPROVED → GRANTED → ENDED | REVOKED → AUDITED
 *                                       ↘ DENIED                ↘ FAILED ─────────↗
 *                                       ↘ APPROVAL_EXPIRED
 *              ↘ REFUSED (a grant of the same agent and account is live; from REGISTERED or APPROVED)
 *                                       ↘ EXTENDED (an extension request: its new set is in the live grant's secret)
 * ```
 *
 * `REJECTED` has no entry: a request that never validated has no record (its status reaches the agent in
 * the `Elevation Rejected` event only).
 */

/** The store's writes that move a request, as the `RequestStore` port names them (`handlers/ports/request-store.ts`). */
export type LifecycleWrite =
  /** `create`: the first delivery of a request event stores it. */
  | 'create'
  /** `awaitDecision`: AwaitApproval stored the task token and mailed the links. */
  | 'awaitDecision'
  /** `claimDecision`: an approver took the single decision (a link or `jit approve`/`jit deny`). */
  | 'claimDecision'
  /** `settleDecision` (`undelivered`): the workflow could not be reached, the claim is given back. */
  | 'releaseDecision'
  /** `settleDecision` (`gone`): the workflow no longer waits, its approval window closed. */
  | 'expireDecision'
  /** `setStatus`: the workflow's Notify records an outcome, or the revoke function records an early end. */
  | 'recordOutcome';

export interface StatusTransition {
  /** The status the request is in; `null` for a request not stored yet. */
  readonly from: RequestStatus | null;
  readonly to: RequestStatus;
  readonly by: LifecycleWrite;
  /** Who makes the move, and why it may happen. */
  readonly step: string;
}

const APPROVAL_STATUSES = ['PENDING_APPROVAL', 'APPROVED', 'DENIED'] as const satisfies readonly RequestStatus[];

function edges(from: readonly (RequestStatus | null)[], to: RequestStatus, by: LifecycleWrite, step: string): StatusTransition[] {
  return from.map((f) => ({ from: f, to, by, step }));
}

/** Every allowed move. Anything else is refused. */
export const REQUEST_TRANSITIONS: readonly StatusTransition[] = [
  ...edges([null], 'REGISTERED', 'create', 'Register: the first delivery of the request event; a redelivery finds it stored'),
  ...edges(['REGISTERED'], 'PENDING_APPROVAL', 'awaitDecision', 'AwaitApproval: the task token is stored and the approvers are mailed'),
  ...edges(['PENDING_APPROVAL'], 'PENDING_APPROVAL', 'awaitDecision', 'AwaitApproval retried: new links replace the old ones'),
  ...edges(['PENDING_APPROVAL'], 'APPROVED', 'claimDecision', 'decide: an approver approves while the window is open'),
  ...edges(['PENDING_APPROVAL'], 'DENIED', 'claimDecision', 'decide: an approver denies while the window is open'),
  ...edges(['APPROVED', 'DENIED'], 'PENDING_APPROVAL', 'releaseDecision', 'decide: the workflow could not be reached, so the claim is released for another try'),
  ...edges(['APPROVED', 'DENIED'], 'APPROVAL_EXPIRED', 'expireDecision', 'decide: the workflow no longer waits (its approval timed out or it was stopped)'),
  ...edges(['APPROVED', 'PENDING_APPROVAL'], 'GRANTED', 'recordOutcome', 'Notify Granted: after Mint (from PENDING_APPROVAL when a delivery that looked failed got through)'),
  ...edges(['PENDING_APPROVAL'], 'DENIED', 'recordOutcome', 'Notify Denied: a denial whose delivery looked failed but got through'),
  ...edges(['REGISTERED', ...APPROVAL_STATUSES], 'APPROVAL_EXPIRED', 'recordOutcome', 'Notify Approval Expired: the approval window closed without a delivered decision'),
  ...edges(
    ['REGISTERED', ...APPROVAL_STATUSES, 'GRANTED', 'ENDED', 'REVOKED'],
    'FAILED',
    'recordOutcome',
    'Notify Failed: a step of approval, mint, reset or audit failed after its retries',
  ),
  ...edges(
    ['REGISTERED', 'PENDING_APPROVAL', 'APPROVED'],
    'REFUSED',
    'recordOutcome',
    'Notify Refused: a grant of the same agent and account is live (seen by Register, or the lease Mint could not take); nothing minted',
  ),
  ...edges(
    ['APPROVED', 'PENDING_APPROVAL'],
    'EXTENDED',
    'recordOutcome',
    'Notify Extended: an extension request was approved and its credential set delivered into the live grant (the live request stays GRANTED)',
  ),
  ...edges(['GRANTED'], 'ENDED', 'recordOutcome', 'Notify Ended at expiry, or the agent gives its grant back (`jit end`); whichever records first wins'),
  ...edges(['GRANTED'], 'REVOKED', 'recordOutcome', 'revoke: an approver ends the grant early (`jit revoke`); the later Ended at expiry leaves it as it is'),
  ...edges(['ENDED', 'REVOKED', 'FAILED'], 'AUDITED', 'recordOutcome', 'Notify Audited: the report is written (FAILED when the reset failed but the grant was audited)'),
];

/** True when `write` may move a request from `from` (`null`: not stored yet) to `to`. */
export function mayMove(write: LifecycleWrite, from: RequestStatus | null, to: RequestStatus): boolean {
  return REQUEST_TRANSITIONS.some((t) => t.by === write && t.from === from && t.to === to);
}

/** The stored statuses `write` may move a request to `to` from, in table order; empty when it never may. */
export function statusesBefore(write: LifecycleWrite, to: RequestStatus): RequestStatus[] {
  const from = REQUEST_TRANSITIONS.filter((t) => t.by === write && t.to === to).map((t) => t.from);
  return [...new Set(from.filter((f): f is RequestStatus => f !== null))];
}

/** True when some write stores `status` on a record (`REJECTED` is never stored). */
export function isRecordedStatus(status: RequestStatus): boolean {
  return REQUEST_TRANSITIONS.some((t) => t.to === status);
}

/** The status in which a request's credentials may be in use. */
const ACCESS_STATUS: RequestStatus = 'GRANTED';

/**
 * True when nothing more can happen to a request's access once it is in `status`: it is an outcome the
 * workflow records (a `recordOutcome` write leads to it), it is not the grant itself, and no chain of
 * recorded outcomes leads from it to a grant; or it is a status no write ever stores (`REJECTED`: the
 * request never validated). An audit may still follow. The decision writes are left out of the chain on
 * purpose: a claimed `DENIED` that is released was never an outcome, and the recorded `DENIED` after it is.
 */
export function isSettledStatus(status: RequestStatus, transitions: readonly StatusTransition[] = REQUEST_TRANSITIONS): boolean {
  if (!transitions.some((t) => t.to === status)) return true;
  const outcomes = transitions.filter((t) => t.by === 'recordOutcome');
  if (status === ACCESS_STATUS || !outcomes.some((t) => t.to === status)) return false;
  const reached = new Set<RequestStatus>([status]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of outcomes) {
      if (t.from !== null && reached.has(t.from) && !reached.has(t.to)) {
        reached.add(t.to);
        grew = true;
      }
    }
  }
  return !reached.has(ACCESS_STATUS);
}
