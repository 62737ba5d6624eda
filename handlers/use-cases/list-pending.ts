import { mayDecide, routingOf } from '../core/approver-routing';
import type { BrokerSettings } from '../core/broker-settings';
import { grantScopeOf, grantScopeText } from '../core/grant-scope';
import { describeProofs } from '../core/policy-proofs';
import type { RequestRecord } from '../core/request-record';
import type { Clock } from '../ports/clock';
import type { PendingSummary, RequestStore } from '../ports/request-store';

export interface ListPendingDeps {
  readonly store: RequestStore;
  readonly clock: Clock;
  /**
   * With settings, each request says what its grant can do against the role (`scope`); with an approver
   * too, only the requests routed to this approver, each with its routing and approvals so far.
   */
  readonly approver?: string;
  readonly settings?: Pick<BrokerSettings, 'approvers' | 'auditRegions' | 'rolePolicies'>;
}

/** A pending request, with what a grant of it can do against its role (`grantScopeText`). */
export type PendingWithScope = PendingSummary & {
  readonly scope?: readonly string[];
  /** Access Analyzer's checks of the session policy as requested, stored with the approval (`describeProofs`). */
  readonly proofs?: readonly string[];
};

const proofsOf = (record: RequestRecord | undefined) => (record?.approvalProofs ? { proofs: describeProofs(record.approvalProofs) } : {});

/**
 * Requests an approver can still decide, oldest first. A request whose approval window has closed but
 * whose workflow has not yet recorded the timeout is left out: it can no longer be decided.
 */
export async function listPending(deps: ListPendingDeps): Promise<PendingWithScope[]> {
  const now = deps.clock.now().getTime();
  const open = (await deps.store.listPending())
    .filter((p) => p.approvalDeadline !== undefined && Date.parse(p.approvalDeadline) > now)
    .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  const { approver, settings } = deps;
  if (settings === undefined) return open;
  // The status index projects neither the routing nor the planned resources (a GSI's projection cannot
  // change in place), so each pending request is read once for them; pending requests are few.
  const listed: PendingWithScope[] = [];
  for (const summary of open) {
    const record = await deps.store.get(summary.requestId);
    if (approver !== undefined) {
      if (!record || record.status !== 'PENDING_APPROVAL') continue;
      const routing = routingOf(record, settings);
      if (!mayDecide(routing, approver)) continue;
      listed.push({ ...summary, routing, ...(record.approvals ? { approvals: record.approvals } : {}), scope: grantScopeText(grantScopeOf(record, settings, new Date(summary.requestedAt))), ...proofsOf(record) });
    } else {
      listed.push({ ...summary, scope: grantScopeText(grantScopeOf(record ?? summary, settings, new Date(summary.requestedAt))), ...proofsOf(record) });
    }
  }
  return listed;
}
