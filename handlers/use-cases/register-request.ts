import type { BrokerSettings } from '../core/broker-settings';
import { type ElevationRequest, requestEventSchema, validateElevationRequest } from '../core/elevation-request';
import { InvalidRequestError } from '../core/errors';
import type { Clock } from '../ports/clock';
import type { RequestStore } from '../ports/request-store';

export interface RegisterRequestDeps {
  readonly store: RequestStore;
  readonly settings: BrokerSettings;
  readonly clock: Clock;
}

export type RegisterResult =
  | { readonly status: 'registered'; readonly request: ElevationRequest }
  | { readonly status: 'duplicate'; readonly requestId: string };

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
    throw new InvalidRequestError(['event: not an "Elevation Requested" event from source jit.agent']);
  }
  const validation = validateElevationRequest(envelope.data, deps.settings, deps.clock.now());
  if (!validation.ok) throw new InvalidRequestError(validation.problems);

  const request = validation.value;
  const outcome = await deps.store.create(request, deps.clock.now());
  return outcome === 'created' ? { status: 'registered', request } : { status: 'duplicate', requestId: request.requestId };
}
