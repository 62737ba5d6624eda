/**
 * One live grant per agent and account (docs/agent.md#one-live-grant-per-agent-and-account).
 *
 * An agent reads one secret per account, so two live grants for the same agent and account would share
 * it: the second would overwrite the first's credentials (possibly for another role), and the first's
 * reset would later empty the secret under the second. A lease makes the rule explicit: Mint takes it
 * with a conditional write before AssumeRole — free, expired, or already held by this request — and a
 * request that finds it taken ends in `GrantAlreadyLive` with an `Elevation Refused` event, nothing
 * minted, the secret untouched. Register looks at it too, to refuse before anyone is emailed, but only
 * the mint's conditional write decides (two approvals may race).
 */

/** A lease as the request table holds it. */
export interface GrantLease {
  readonly agentId: string;
  readonly accountId: string;
  /** The request whose grant holds the secret. */
  readonly holder: string;
  /** The last moment the grant's credentials can work, its session fence (ISO 8601); the lease is free from then on. */
  readonly expiresAt: string;
}

/** The lease item's key in the request table. `#` never occurs in a request id, so no request collides with it. */
export function leaseKey(agentId: string, accountId: string): string {
  return `LEASE#${agentId}#${accountId}`;
}

/** The key prefix of every lease item, which the functions' table permissions are scoped to. */
export const LEASE_KEY_PREFIX = 'LEASE#';

/**
 * The attributes a lease write touches, and nothing else: the mint function's permission on lease items
 * is scoped to exactly these (`dynamodb:Attributes`, infra/constructs/mint-function.ts).
 */
export const LEASE_ATTRIBUTES = ['requestId', 'holder', 'agentId', 'accountId', 'expiresAt', 'expiresAtMs', 'updatedAt', 'expiresAtEpoch'] as const;

/** True while the lease's grant may still be in use. */
export function isLive(lease: GrantLease, now: Date): boolean {
  return Date.parse(lease.expiresAt) > now.getTime();
}

/** The lease that stops `requestId` from being granted now, if any: live and held by another request. */
export function blockingLease(lease: GrantLease | undefined, requestId: string, now: Date): GrantLease | undefined {
  return lease && lease.holder !== requestId && isLive(lease, now) ? lease : undefined;
}

/** What the refused agent is told: which request holds the grant, until when, and what to do. */
export function liveGrantReason(lease: GrantLease, agentName: string): string {
  return `a grant is live for ${agentName} in ${lease.accountId} (request ${lease.holder} until ${lease.expiresAt}); end it (jit end ${lease.holder}) and ask again`;
}
