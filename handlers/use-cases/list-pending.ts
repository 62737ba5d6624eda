import type { Clock } from '../ports/clock';
import type { PendingSummary, RequestStore } from '../ports/request-store';

export interface ListPendingDeps {
  readonly store: RequestStore;
  readonly clock: Clock;
}

/**
 * Requests an approver can still decide, oldest first. A request whose approval window has closed but
 * whose workflow has not yet recorded the timeout is left out: it can no longer be decided.
 */
export async function listPending(deps: ListPendingDeps): Promise<PendingSummary[]> {
  const now = deps.clock.now().getTime();
  const pending = await deps.store.listPending();
  return pending
    .filter((p) => p.approvalDeadline !== undefined && Date.parse(p.approvalDeadline) > now)
    .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
}
