import type { BrokerEventDetail } from '../core/broker-event';
import type { RequestRecord } from '../core/request-record';
import {
  type CloudTrailApiCallEvent,
  type Trip,
  type TripwireSettings,
  TRIPWIRE_REVOKED_BY,
  accessDeniedTrip,
  countsAsAccessDenied,
  deniedEntryOf,
  immediateTrip,
  requestIdOfSourceIdentity,
  watchedCallOf,
} from '../core/tripwire';
import { renderTripwireEmail } from '../core/tripwire-email';
import type { Mailer } from '../ports/mailer';
import type { TripwireState } from '../ports/tripwire-state';
import { LIFT_MARGIN_MINUTES, type RevokeGrantDeps, eventDetail, revokeOnTripwire } from './revoke-grant';

export interface WatchGrantCallDeps extends RevokeGrantDeps {
  readonly tripwires: TripwireSettings;
  readonly state: TripwireState;
  readonly mailer: Mailer;
  readonly approvers: readonly string[];
  readonly sender: string;
}

export type WatchOutcome =
  /** Not a call of a live broker grant, or not from the grant's own account: nothing to judge. */
  | { readonly kind: 'ignored'; readonly reason: string }
  /** A call of a live grant that trips no rule. */
  | { readonly kind: 'watched'; readonly requestId: string }
  /** This call tripped a rule and ended the grant. */
  | { readonly kind: 'tripped'; readonly requestId: string; readonly trip: Trip }
  /** The call trips a rule, but the grant had already ended (an earlier trip, a revoke, the expiry). */
  | { readonly kind: 'already-ended'; readonly requestId: string; readonly trip: Trip };

/**
 * One CloudTrail API-call event from a target account (docs/security-model.md#tripwires):
 *
 * 1. the call belongs to a broker grant when its session's source identity is `jit-<requestId>` and the
 *    request's grant has that source identity in the account the event was recorded in;
 * 2. a deny-listed attempt or a call outside the plan trips at once; a refusal is remembered (once per
 *    event) and trips when N of them fall within M seconds;
 * 3. a trip ends that grant alone, through the early revoke's steps (secret reset, SourceIdentity deny,
 *    lift, record), then publishes `Elevation Tripped` (which reaches the agent's queue) and emails the
 *    approvers.
 *
 * Idempotent: the revocation is recorded once (the lifecycle allows REVOKED only after GRANTED), so a
 * second matching event finds the grant ended and alerts nobody; a retry of the event that tripped
 * (its revocation names that event) alerts again rather than not at all.
 */
export async function watchGrantCall(event: CloudTrailApiCallEvent, deps: WatchGrantCallDeps): Promise<WatchOutcome> {
  const call = watchedCallOf(event);
  const requestId = requestIdOfSourceIdentity(call.sourceIdentity);
  if (!requestId) return { kind: 'ignored', reason: 'not a broker session' };
  const request = await deps.store.get(requestId);
  const grant = request?.grant;
  if (!request || !grant) return { kind: 'ignored', reason: `no grant for ${requestId}` };
  if (grant.sourceIdentity !== call.sourceIdentity || grant.accountId !== call.accountId) {
    return { kind: 'ignored', reason: `the call was not made in ${requestId}'s grant account` };
  }

  let trip = immediateTrip(call, deps.tripwires, request.plannedActions ?? []);
  if (!trip && countsAsAccessDenied(call, deps.tripwires)) {
    const forgetAfter = new Date(Date.parse(grant.stsExpiresAt) + LIFT_MARGIN_MINUTES * 60_000 + 24 * 3600_000);
    const seen = await deps.state.recordDenied(requestId, deniedEntryOf(call), forgetAfter);
    trip = accessDeniedTrip(call, deps.tripwires, seen);
  }
  if (!trip) return { kind: 'watched', requestId };

  const outcome = await revokeOnTripwire({ action: 'tripwire', requestId, reason: trip.reason }, deps);
  if (outcome.kind === 'revoked') {
    await alert(outcome.request, trip, outcome.revocation.revokedAt, deps);
    return { kind: 'tripped', requestId, trip };
  }
  if (outcome.kind === 'already-revoked' && outcome.revocation.revokedBy === TRIPWIRE_REVOKED_BY && outcome.revocation.revokeReason === trip.reason) {
    // The event that tripped, delivered again or retried after a fault: the alert may not have gone out.
    await alert(outcome.request, trip, outcome.revocation.revokedAt, deps);
    return { kind: 'tripped', requestId, trip };
  }
  return { kind: 'already-ended', requestId, trip };
}

async function alert(request: RequestRecord, trip: Trip, revokedAt: string, deps: WatchGrantCallDeps): Promise<void> {
  const revocation = { revokedAt, revokedBy: TRIPWIRE_REVOKED_BY, revokeReason: trip.reason };
  const detail: BrokerEventDetail = {
    ...eventDetail(request, revocation, false),
    rule: trip.rule,
    call: {
      eventId: trip.call.eventId,
      eventTime: trip.call.eventTime,
      iamAction: trip.call.iamAction,
      ...(trip.call.region ? { region: trip.call.region } : {}),
      ...(trip.call.errorCode ? { errorCode: trip.call.errorCode } : {}),
    },
  };
  await deps.publisher.publish({ outcome: 'Tripped', detail });
  const email = renderTripwireEmail(request, trip, revokedAt);
  await deps.mailer.send({ from: deps.sender, to: deps.approvers, ...email });
}
