import type { GrantLease } from '../core/grant-lease';

/** What taking a lease found: taken for this request, or held by another live grant. */
export type LeaseTake = { readonly taken: true } | { readonly taken: false; readonly holder: GrantLease };

/**
 * The one-live-grant-per-agent-and-account leases (handlers/core/grant-lease.ts). Every write is
 * conditional, so two mints racing for one secret cannot both win.
 */
export interface GrantLeases {
  /** The lease of an agent and account, live or not; `undefined` when none was ever taken. */
  get(agentId: string, accountId: string): Promise<GrantLease | undefined>;
  /** Takes the lease if it is free, expired, or already this request's (a retried mint); else says who holds it. */
  take(lease: GrantLease, now: Date): Promise<LeaseTake>;
  /** Frees the lease if `holder` still holds it; a lease since taken by another request is left alone. */
  release(agentId: string, accountId: string, holder: string, now: Date): Promise<void>;
}
