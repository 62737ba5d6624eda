import { mayDecide, routingOf } from '../core/approver-routing';
import type { BrokerSettings } from '../core/broker-settings';
import type { Clock } from '../ports/clock';
import type { PendingSummary, RequestStore } from '../ports/request-store';

export interface ListPendingDeps {
  readonly store: RequestStore;
  readonly clock: Clock;
  /** With both: only the requests routed to this approver, each with its routing and approvals so far. */
  readonly approver?: string;
  readonly settings?: Pick<BrokerSettings, 'approvers'>;
}

/**
 * Requests an approver can still decide, oldest first. A request whose approval window has closed but
 * whose workflow has not yet recorded the timeout is left out: it can no longer be decided.
 */
export async function listPending(deps: ListPendingDeps): Promise<PendingSummary[]> {
  const now = deps.clock.now().getTime();
  const pending = await deps.store.listPending();
  const open = pending
    .filter((p) => p.approvalDeadline !== undefined && Date.parse(p.approvalDeadline) > now)
    .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  const { approver, settings } = deps;
  if (approver === undefined || settings === undefined) return open;
  // The status index does not project the routing (a GSI's projection cannot change in place), so each
  // pending request is read once for it; pending requests are few.
  const routed: PendingSummary[] = [];
  for (const summary of open) {
    const record = await deps.store.get(summary.requestId);
    if (!record || record.status !== 'PENDING_APPROVAL') continue;
    const routing = routingOf(record, settings);
    if (!mayDecide(routing, approver)) continue;
    routed.push({ ...summary, routing, ...(record.approvals ? { approvals: record.approvals } : {}) });
  }
  return routed;
}
