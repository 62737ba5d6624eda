import type { BrokerSettings } from '../core/broker-settings';
import { type ElevationRequest, requestEventSchema, validateElevationRequest } from '../core/elevation-request';
import { InvalidRequestError } from '../core/errors';
import type { Clock } from '../ports/clock';
import type { GrantLeases } from '../ports/grant-leases';
import type { RequestStore } from '../ports/request-store';
import { GRANT_ALREADY_LIVE_ERROR } from '../core/errors';
import { liveGrantRefusal } from './grant-lease';

export interface RegisterRequestDeps {
  readonly store: RequestStore;
  readonly leases: GrantLeases;
  readonly settings: BrokerSettings;
  readonly clock: Clock;
}

export type RegisterResult =
  | { readonly status: 'registered'; readonly request: ElevationRequest }
  | { readonly status: 'duplicate'; readonly requestId: string }
  /**
   * A grant of the same agent and account is live: the workflow ends in GrantAlreadyLive before anyone is
   * emailed. `refusal` has the shape of a caught error, so one Notify state serves this and the mint's refusal.
   */
  | { readonly status: 'refused'; readonly request: ElevationRequest; readonly refusal: { readonly Error: string; readonly Cause: string } };

/**
 * First step of every elevation: validate the `Elevation Requested` event against the config and store
 * it, once. EventBridge delivers at least once, so a second delivery of the same request finds the
 * stored record and ends quietly: no second email, no second grant.
 *
 * @throws InvalidRequestError when the event or the request in it is not acceptable.
 */
export async function registerRequest(event: unknown, deps: RegisterRequestDeps): Promise<RegisterResult> {
  const envelope = requestEventSchema.safeParse(event);
  if (!envelope.success) {
    throw new InvalidRequestError(['event: not an "Elevation Requested" event from an agent source (jit.agent or jit.agent.<id>)']);
  }
  const validation = validateElevationRequest(envelope.data, deps.settings, deps.clock.now());
  if (!validation.ok) throw new InvalidRequestError(validation.problems);

  const request = validation.value;
  const outcome = await deps.store.create(request, deps.clock.now());
  if (outcome !== 'created') return { status: 'duplicate', requestId: request.requestId };
  const refused = await liveGrantRefusal(request, deps);
  if (refused) return { status: 'refused', request, refusal: { Error: GRANT_ALREADY_LIVE_ERROR, Cause: refused.reason } };
  return { status: 'registered', request };
}
