import { z } from 'zod';
import type { BrokerEventDetail } from '../core/broker-event';
import { REQUEST_ID_PATTERN } from '../core/elevation-request';
import { RevocationLiftTooEarlyError } from '../core/errors';
import { roleSessionName } from '../core/grant-window';
import { assumedRoleSessionOf, type ProofPurpose, proofBinding } from '../core/identity-proof';
import type { RequestRecord } from '../core/request-record';
import { LIFT_SCHEDULE_PREFIX } from '../core/resource-names';
import { type Revocation, revocationOf } from '../core/revocation';
import { revocationPolicy, revocationPolicyName } from '../core/revocation-policy';
import type { Clock } from '../ports/clock';
import type { EventPublisher } from '../ports/event-publisher';
import type { GrantResetter } from '../ports/grant-resetter';
import type { IdentityVerifier } from '../ports/identity-verifier';
import type { LiftScheduler } from '../ports/lift-scheduler';
import type { RequestStore } from '../ports/request-store';
import type { RoleRevoker } from '../ports/role-revoker';
import type { GrantLeases } from '../ports/grant-leases';
import { releaseGrantLease } from './grant-lease';
import { AGENT_SOURCE_PATTERN } from '../core/agents';
import { TRIPWIRE_REVOKED_BY } from '../core/tripwire';

const requestId = z.string().regex(REQUEST_ID_PATTERN);
const proof = z.string().min(1).max(4096);

/**
 * The three things the revoke function does:
 * - `revoke`: an approver ends a grant early (`jit revoke`, a direct invocation);
 * - `end`: the agent gives back its own grant (`jit end`, an `Elevation End Requested` event);
 * - `lift`: the one-time schedule removes the deny once the revoked credentials have expired.
 * Both `revoke` and `end` carry a proof of the caller's identity (a presigned GetCallerIdentity).
 */
export const revokeGrantInputSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('revoke'), requestId, proof, reason: z.string().trim().min(1).max(500).optional() }).strict(),
  /** `agentSource`: the end event's source, so a refusal reaches the asking agent's queue even for an unknown request. */
  z.object({ action: z.literal('end'), requestId, proof, agentSource: z.string().regex(AGENT_SOURCE_PATTERN).optional() }).strict(),
  z.object({ action: z.literal('lift'), requestId }).strict(),
  /**
   * An approver's `jit revoke` through the IAM-authorized approver route: API Gateway authenticated the
   * caller and the approval function mapped them to a configured approver, so `approver` is that ARN.
   * Only the broker's approval function may invoke this function directly (approvers have no
   * lambda:InvokeFunction), which is what makes the claim trustworthy.
   */
  z.object({ action: z.literal('approver-revoke'), requestId, approver: z.string().min(20).max(2048), reason: z.string().trim().min(1).max(500).optional() }).strict(),
]);

export type RevokeGrantInput = z.infer<typeof revokeGrantInputSchema>;

/** Minutes after the STS expiry before the deny is removed: margin for clock skew and IAM propagation. */
export const LIFT_MARGIN_MINUTES = 5;

/** Name of the one-time schedule that lifts a request's revocation deny (at most 64 characters). */
export function liftScheduleName(requestId: string): string {
  return `${LIFT_SCHEDULE_PREFIX}${requestId}`;
}

export type RevokeOutcome =
  /** This call ended the grant: secret reset, deny attached, lift scheduled, recorded, published. */
  | { readonly kind: 'revoked'; readonly request: RequestRecord; readonly revocation: Revocation }
  /** An earlier revoke or end already did; its deny is in place until the lift. */
  | { readonly kind: 'already-revoked'; readonly request: RequestRecord; readonly revocation: Revocation }
  | { readonly kind: 'not-found' }
  /** Nothing to end: never granted, already over, or its approved expiry has passed. */
  | { readonly kind: 'not-active'; readonly request: RequestRecord; readonly reason: string }
  /** The proof proved nothing, or (for `end`) proved someone other than the grant's own session. */
  | { readonly kind: 'refused'; readonly reason: string };

export type LiftOutcome = { readonly kind: 'lifted' | 'absent' | 'not-revoked' | 'not-found' };

export interface RevokeGrantDeps {
  readonly store: RequestStore;
  readonly resetter: GrantResetter;
  readonly revoker: RoleRevoker;
  readonly lifts: LiftScheduler;
  readonly verifier: IdentityVerifier;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  /** The revoked grant's lease is freed, so its agent may ask again at once. */
  readonly leases: GrantLeases;
}

function roleNameOf(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf('/') + 1);
}

function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/**
 * When the last credential set of the request stops working for STS: the grant's, or a later one an
 * extension minted (docs/agent.md#extending-a-live-grant) that the record's grant may not name yet. The
 * deny must outlive every set with the request's SourceIdentity.
 */
function lastStsExpiry(request: RequestRecord): string {
  const all = [request.grant?.stsExpiresAt, ...(request.issuedCredentials ?? []).map((c) => c.stsExpiresAt)].filter((t): t is string => typeof t === 'string');
  return all.reduce((latest, t) => (Date.parse(t) > Date.parse(latest) ? t : latest), all[0] ?? '1970-01-01T00:00:00Z');
}

/** True when the ARN is the elevated session this request's grant was minted as. */
export function isGrantSession(arn: string, request: RequestRecord): boolean {
  const session = assumedRoleSessionOf(arn);
  const grant = request.grant;
  if (!session || !grant) return false;
  return (
    session.accountId === grant.accountId &&
    session.accountId === accountOf(grant.roleArn) &&
    session.roleName === roleNameOf(grant.roleArn) &&
    session.sessionName === roleSessionName(request.requestId)
  );
}

/** The revocation a tripwire asks for: no caller to verify, the broker itself ends the grant (handlers/use-cases/watch-grant-call.ts). */
export interface TripwireRevocation {
  readonly action: 'tripwire';
  readonly requestId: string;
  /** Which call, which rule. */
  readonly reason: string;
}

export function eventDetail(request: RequestRecord, revocation: Revocation, again: boolean): BrokerEventDetail {
  return {
    requestId: request.requestId,
    account: request.accountId,
    accountName: request.accountName,
    role: request.grant?.role ?? request.role,
    ...(request.grant ? { expiresAt: request.grant.expiresAt, grantId: request.grant.grantId } : {}),
    revokedAt: revocation.revokedAt,
    revokedBy: revocation.revokedBy,
    ...(revocation.revokeReason ? { reason: revocation.revokeReason } : {}),
    // The agent's own end is the one made by the grant's own session.
    endedBy: revocation.revokedBy === TRIPWIRE_REVOKED_BY ? 'tripwire' : isGrantSession(revocation.revokedBy, request) ? 'agent' : 'approver',
    ...(again ? { alreadyEnded: true } : {}),
    ...(request.agentSource ? { agentSource: request.agentSource } : {}),
  };
}

async function publishOutcome(action: 'revoke' | 'end', outcome: RevokeOutcome, requestIdValue: string, deps: RevokeGrantDeps, agentSource?: string): Promise<void> {
  if (outcome.kind === 'revoked' || outcome.kind === 'already-revoked') {
    await deps.publisher.publish({
      outcome: action === 'end' ? 'Ended' : 'Revoked',
      detail: eventDetail(outcome.request, outcome.revocation, outcome.kind === 'already-revoked'),
    });
    return;
  }
  // A refused end is published too: the agent learns the answer from its notification queue, and
  // nothing it asked for ends in silence. A refused revoke is answered to the approver directly.
  if (action === 'end') {
    const reason = outcome.kind === 'not-found' ? `no request ${requestIdValue}` : outcome.reason;
    // The request's own agent when it is known, else whoever sent the end (its event's source).
    const source = ('request' in outcome ? outcome.request.agentSource : undefined) ?? agentSource;
    await deps.publisher.publish({
      outcome: 'End Refused',
      detail: {
        requestId: requestIdValue,
        code: outcome.kind,
        reason,
        ...(source ? { agentSource: source } : {}),
      },
    });
  }
}

/**
 * Ends a grant early (invariant 8, docs/security-invariants.md), for an approver (`revoke`) or for the agent holding it (`end`):
 *
 * 1. verify who asks (STS executes their presigned GetCallerIdentity); for `end`, it must be the grant's
 *    own elevated session `jit-<requestId>`, so an agent can end only a grant it holds;
 * 2. reset the secret if it still holds this grant (compare-and-swap, through the reset function);
 * 3. attach the SourceIdentity deny to the elevated role, which stops every copy of the credentials;
 * 4. schedule the deny's removal after the STS expiry (self-deleting, one-time);
 * 5. record the revocation on the request (REVOKED, or ENDED for the agent's own end), which the
 *    workflow's later reset and `Ended` cannot overwrite;
 * 6. publish `Elevation Revoked` (or `Elevation Ended` with `endedBy: agent`).
 *
 * Every step is idempotent, so a retry after a fault completes the revocation; the record is written
 * last, so it never claims a revocation whose deny is not in place.
 */
export async function revokeGrant(input: Extract<RevokeGrantInput, { action: 'revoke' | 'end' | 'approver-revoke' }>, deps: RevokeGrantDeps): Promise<RevokeOutcome> {
  const outcome = await decideRevocation(input, deps);
  await publishOutcome(input.action === 'end' ? 'end' : 'revoke', outcome, input.requestId, deps, input.action === 'end' ? input.agentSource : undefined);
  return outcome;
}

/**
 * Ends a grant because a tripwire fired: the same steps as `revokeGrant` (reset, SourceIdentity deny, lift,
 * record), in the broker's own name, publishing nothing: the caller publishes `Elevation Tripped`.
 */
export async function revokeOnTripwire(input: TripwireRevocation, deps: RevokeGrantDeps): Promise<RevokeOutcome> {
  return decideRevocation(input, deps);
}

async function decideRevocation(input: Extract<RevokeGrantInput, { action: 'revoke' | 'end' | 'approver-revoke' }> | TripwireRevocation, deps: RevokeGrantDeps): Promise<RevokeOutcome> {
  let identity: { arn: string };
  if (input.action === 'tripwire') {
    identity = { arn: TRIPWIRE_REVOKED_BY };
  } else if (input.action === 'approver-revoke') {
    identity = { arn: input.approver };
  } else {
    const purpose: ProofPurpose = input.action;
    const verified = await deps.verifier.verify(input.proof, proofBinding(purpose, input.requestId));
    if (!verified.ok) return { kind: 'refused', reason: `the proof of identity was not accepted: ${verified.reason}` };
    identity = verified;
  }

  const request = await deps.store.get(input.requestId);
  if (!request) return { kind: 'not-found' };
  const grant = request.grant;
  if (!grant) return { kind: 'not-active', request, reason: `request ${request.requestId} has no grant (status ${request.status})` };
  if (input.action === 'end' && !isGrantSession(identity.arn, request)) {
    return { kind: 'refused', reason: `${identity.arn} is not the session of the grant of ${request.requestId}` };
  }
  const earlier = revocationOf(request);
  if (earlier) return { kind: 'already-revoked', request, revocation: earlier };
  const now = deps.clock.now();
  if (request.status !== 'GRANTED') {
    return { kind: 'not-active', request, reason: `the grant of ${request.requestId} is over (status ${request.status})` };
  }
  if (Date.parse(grant.expiresAt) <= now.getTime()) {
    return { kind: 'not-active', request, reason: `the grant of ${request.requestId} expired at ${grant.expiresAt}` };
  }

  await deps.resetter.reset({ mode: 'revoked', requestId: request.requestId, accountId: grant.accountId, grantId: grant.grantId });
  await deps.revoker.attachDeny(grant.accountId, roleNameOf(grant.roleArn), revocationPolicy(grant.sourceIdentity));
  const liftAt = new Date(Date.parse(lastStsExpiry(request)) + LIFT_MARGIN_MINUTES * 60_000);
  await deps.lifts.scheduleLift(liftScheduleName(request.requestId), liftAt, { source: 'jit.lift-schedule', requestId: request.requestId });

  const revocation: Revocation = {
    revokedAt: now.toISOString(),
    revokedBy: identity.arn,
    ...(input.action !== 'end' && input.reason ? { revokeReason: input.reason } : {}),
    ...(input.action === 'end' ? { revokeReason: 'given back by the agent (jit end)' } : {}),
  };
  const recorded = await deps.store.setStatus(request.requestId, input.action === 'end' ? 'ENDED' : 'REVOKED', revocation, now);
  if (!recorded) {
    // Someone else recorded first: a concurrent revoke, or the end at expiry. The deny stays until lifted.
    const latest = (await deps.store.get(request.requestId)) ?? request;
    const theirs = revocationOf(latest);
    if (theirs) return { kind: 'already-revoked', request: latest, revocation: theirs };
    return { kind: 'not-active', request: latest, reason: `the grant of ${request.requestId} ended while it was being revoked (status ${latest.status})` };
  }
  await releaseGrantLease(request, { leases: deps.leases, clock: deps.clock });
  return { kind: 'revoked', request: { ...request, status: input.action === 'end' ? 'ENDED' : 'REVOKED', ...revocation }, revocation };
}

/**
 * Removes a revocation deny once the revoked session's STS credentials have expired. Refuses (throws,
 * so the schedule retries) before that: a deny lifted early would let live copies work again.
 */
export async function liftRevocation(input: Extract<RevokeGrantInput, { action: 'lift' }>, deps: Pick<RevokeGrantDeps, 'store' | 'revoker' | 'clock'>): Promise<LiftOutcome> {
  const request = await deps.store.get(input.requestId);
  if (!request) return { kind: 'not-found' };
  const grant = request.grant;
  if (!grant || !request.revokedAt) return { kind: 'not-revoked' };
  const now = deps.clock.now();
  const stsEnd = lastStsExpiry(request);
  if (now.getTime() < Date.parse(stsEnd)) {
    throw new RevocationLiftTooEarlyError(request.requestId, stsEnd);
  }
  const removed = await deps.revoker.removeDeny(grant.accountId, roleNameOf(grant.roleArn), revocationPolicyName(grant.sourceIdentity));
  return { kind: removed === 'removed' ? 'lifted' : 'absent' };
}

/**
 * Answers an end request that did not validate, on the bus, when it names a well-formed request id: the
 * agent waits for an answer on its notification queue, and nothing it asked for ends in silence. Returns
 * false (nothing published) for anything else, which is then a malformed task input like any other.
 */
export async function refuseMalformedEnd(raw: unknown, deps: Pick<RevokeGrantDeps, 'publisher'>): Promise<boolean> {
  const candidate = (raw ?? {}) as { action?: unknown; requestId?: unknown };
  if (candidate.action !== 'end' || !requestId.safeParse(candidate.requestId).success) return false;
  await deps.publisher.publish({
    outcome: 'End Refused',
    detail: { requestId: candidate.requestId as string, code: 'malformed', reason: 'the end request was malformed' },
  });
  return true;
}
