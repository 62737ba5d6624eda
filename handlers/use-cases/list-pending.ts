import type { BrokerSettings } from '../core/broker-settings';
import { grantScopeOf, grantScopeText } from '../core/grant-scope';
import type { Clock } from '../ports/clock';
import type { PendingSummary, RequestStore } from '../ports/request-store';

export interface ListPendingDeps {
  readonly store: RequestStore;
  readonly clock: Clock;
  /** With settings, each request says what its grant can do against the role (`scope`). */
  readonly settings?: Pick<BrokerSettings, 'auditRegions' | 'rolePolicies'>;
}

/** A pending request, with what a grant of it can do against its role (`grantScopeText`). */
export type PendingWithScope = PendingSummary & { readonly scope?: readonly string[] };

/**
 * Requests an approver can still decide, oldest first. A request whose approval window has closed but
 * whose workflow has not yet recorded the timeout is left out: it can no longer be decided.
 */
export async function listPending(deps: ListPendingDeps): Promise<PendingWithScope[]> {
  const now = deps.clock.now().getTime();
  const pending = (await deps.store.listPending())
    .filter((p) => p.approvalDeadline !== undefined && Date.parse(p.approvalDeadline) > now)
    .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  const settings = deps.settings;
  if (!settings) return pending;
  // The status index does not project the planned resources: the full record has them.
  return Promise.all(
    pending.map(async (p) => {
      const record = (await deps.store.get(p.requestId)) ?? p;
      return { ...p, scope: grantScopeText(grantScopeOf(record, settings, new Date(p.requestedAt))) };
    }),
  );
}
