import { type BrokerSettings, agentById } from '../core/broker-settings';
import type { ElevationRequest } from '../core/elevation-request';
import { GrantAlreadyLiveError } from '../core/errors';
import { type GrantLease, blockingLease, liveGrantReason } from '../core/grant-lease';
import { isoSeconds } from '../core/grant-window';
import type { Clock } from '../ports/clock';
import type { GrantLeases } from '../ports/grant-leases';

export interface GrantLeaseDeps {
  readonly leases: GrantLeases;
  readonly settings: BrokerSettings;
  readonly clock: Clock;
}

type LeasedRequest = Pick<ElevationRequest, 'requestId' | 'accountId' | 'agentId'>;

function agentOf(request: LeasedRequest, settings: BrokerSettings) {
  const agent = agentById(settings, request.agentId);
  // Register only stores requests of configured agents; a record naming another came from elsewhere.
  if (!agent) throw new GrantAlreadyLiveError(`request ${request.requestId} names agent ${request.agentId}, which is not configured`);
  return agent;
}

/**
 * Why this request cannot be granted now, when a live grant of the same agent and account is visible;
 * `undefined` otherwise. Register asks, so a request that would be refused is refused before anyone is
 * emailed. Only `takeGrantLease` decides.
 */
export async function liveGrantRefusal(request: LeasedRequest, deps: GrantLeaseDeps): Promise<{ reason: string; lease: GrantLease } | undefined> {
  const agent = agentOf(request, deps.settings);
  const lease = blockingLease(await deps.leases.get(agent.id, request.accountId), request.requestId, deps.clock.now());
  return lease ? { reason: liveGrantReason(lease, agent.name), lease } : undefined;
}

/**
 * Takes the lease of the request's agent and account until `expiresAt`, before anything is minted.
 *
 * @throws GrantAlreadyLiveError when another request's grant is live there.
 */
export async function takeGrantLease(request: LeasedRequest, expiresAt: Date, deps: GrantLeaseDeps): Promise<void> {
  const agent = agentOf(request, deps.settings);
  const lease: GrantLease = { agentId: agent.id, accountId: request.accountId, holder: request.requestId, expiresAt: isoSeconds(expiresAt) };
  // Twice at most: a lease released between the refused write and the read that names its holder is free.
  for (let attempt = 0; attempt < 2; attempt++) {
    const now = deps.clock.now();
    const result = await deps.leases.take(lease, now);
    if (result.taken) return;
    const blocking = blockingLease(result.holder, request.requestId, now);
    if (blocking) throw new GrantAlreadyLiveError(liveGrantReason(blocking, agent.name));
  }
  throw new GrantAlreadyLiveError(`the grant lease of ${agent.name} in ${request.accountId} is changing hands; ask again in a moment`);
}

/**
 * Frees the request's lease once its grant is over (ended, revoked, failed), so the agent may ask again
 * before the approved expiry. Only the holder's release counts; a record without an agent predates leases.
 */
export async function releaseGrantLease(request: LeasedRequest, deps: Pick<GrantLeaseDeps, 'leases' | 'clock'>): Promise<void> {
  if (!request.agentId) return;
  await deps.leases.release(request.agentId, request.accountId, request.requestId, deps.clock.now());
}
