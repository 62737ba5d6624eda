import { z } from 'zod';
import type { BrokerSettings } from '../core/broker-settings';
import { type ElevationRequest, elevationRequestSchema, requestEventSchema, validateElevationRequest } from '../core/elevation-request';
import { GRANT_ALREADY_LIVE_ERROR, InvalidRequestError } from '../core/errors';
import { type Registration, matchRegistration, requestDigest } from '../core/registration';
import type { Clock } from '../ports/clock';
import type { GrantLeases } from '../ports/grant-leases';
import type { RequestStore } from '../ports/request-store';
import { liveGrantRefusal } from './grant-lease';
import { isExtensionEvent } from '../core/grant-extension';
import { registerExtension } from './register-extension';

/**
 * What the state machine passes to Register: the `Elevation Requested` event as EventBridge delivered it,
 * and the id of the execution it started (`$$.Execution.Id`).
 */
export const registerInputSchema = z.object({
  event: z.unknown(),
  executionId: z.string().min(1).max(2048),
});

export type RegisterInput = z.infer<typeof registerInputSchema>;

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
  | { readonly status: 'refused'; readonly request: ElevationRequest; readonly refusal: { readonly Error: string; readonly Cause: string } }
  /** An extension of a live grant, registered: it goes to its own approval (handlers/use-cases/register-extension.ts). */
  | { readonly status: 'extension'; readonly request: ElevationRequest }
  /** The id belongs to a different request: this one is refused, and its sender told so. */
  | { readonly status: 'conflict'; readonly refused: RefusedRequest };

/** What the `Elevation Duplicate Refused` event says about the refused request. */
export interface RefusedRequest {
  readonly requestId: string;
  readonly accountId: string;
  readonly role: string;
  readonly minutes: number;
  readonly contentDigest: string;
  /** The refused event's `source`: its agent, whose notification queue gets the refusal. */
  readonly agentSource?: string;
}

/**
 * First step of every elevation: validate the `Elevation Requested` event against the config and store
 * it, once, with the execution that stored it. A request id already on record means one of three things:
 *
 * - this execution stored it: an earlier attempt of this task wrote it and then failed or timed out
 *   (Step Functions retries the task), so this attempt carries on with the stored request;
 * - another execution stored the same request: EventBridge delivered the event twice, the first
 *   delivery is being served, and this one ends quietly (no second email, no second grant);
 * - another execution stored a different request: the id is taken, and this request is refused
 *   (`conflict`), and the workflow publishes `Elevation Duplicate Refused` so that its sender hears about it.
 *
 * @throws InvalidRequestError when the event or the request in it is not acceptable.
 */
export async function registerRequest(input: RegisterInput, deps: RegisterRequestDeps): Promise<RegisterResult> {
  if (isExtensionEvent(input.event)) return registerExtension(input, deps);
  const envelope = requestEventSchema.safeParse(input.event);
  if (!envelope.success) {
    throw new InvalidRequestError(['event: not an "Elevation Requested" event from an agent source (jit.agent or jit.agent.<id>)']);
  }
  const validation = validateElevationRequest(envelope.data, deps.settings, deps.clock.now());
  if (!validation.ok) throw new InvalidRequestError(validation.problems);

  return storeOnce(validation.value, input.executionId, deps, afterRegistration);
}

/**
 * Stores a validated request once, with the execution that stored it, and tells the three cases of a taken
 * id apart (see `registerRequest`); `after` decides what a stored request of this execution goes on to.
 */
export async function storeOnce(
  request: ElevationRequest,
  executionId: string,
  deps: RegisterRequestDeps,
  after: (request: ElevationRequest, deps: RegisterRequestDeps) => Promise<RegisterResult>,
): Promise<RegisterResult> {
  const registration: Registration = { executionId, contentDigest: requestDigest(request) };
  if ((await deps.store.create(request, deps.clock.now(), registration)) === 'created') return after(request, deps);

  const stored = await deps.store.get(request.requestId);
  // Gone between the two reads only if its retention ran out: nothing to serve, nothing to collide with.
  if (!stored) return { status: 'duplicate', requestId: request.requestId };
  switch (matchRegistration(stored.registration ?? {}, registration)) {
    case 'same-execution':
      // The stored request, not this attempt's copy: its `requestedAt` is the one on record.
      return after(elevationRequestSchema.parse(stored), deps);
    case 'redelivery':
      return { status: 'duplicate', requestId: request.requestId };
    case 'conflict':
      return {
        status: 'conflict',
        refused: {
          requestId: request.requestId,
          accountId: request.accountId,
          role: request.role,
          minutes: request.minutes,
          contentDigest: registration.contentDigest,
          ...(request.agentSource ? { agentSource: request.agentSource } : {}),
        },
      };
  }
}

/** A registered request goes on to its approval unless a grant of the same agent and account is live. */
async function afterRegistration(request: ElevationRequest, deps: RegisterRequestDeps): Promise<RegisterResult> {
  const refused = await liveGrantRefusal(request, deps);
  if (refused) return { status: 'refused', request, refusal: { Error: GRANT_ALREADY_LIVE_ERROR, Cause: refused.reason } };
  return { status: 'registered', request };
}
