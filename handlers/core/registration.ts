import { createHash } from 'node:crypto';
import type { ElevationRequest } from './elevation-request';

type AskedFor = Pick<ElevationRequest, 'requestId' | 'accountId' | 'role' | 'minutes' | 'reason' | 'plannedActions' | 'plannedResources' | 'requester'>;

/**
 * Who stored a request, so that a retried Register can tell its own earlier write from someone else's.
 *
 * Step Functions runs a task again after a Lambda service error or a timeout, possibly after the first
 * attempt's conditional write succeeded; EventBridge, for its part, may start a second execution for the
 * same event. Only the execution id tells the two apart: their inputs are the same. The content digest
 * tells a redelivery (same request) from a different request that reuses a request id.
 */
export interface Registration {
  /** `$$.Execution.Id` of the execution whose Register stored the request. */
  readonly executionId: string;
  /** SHA-256 (hex) of what was asked for; see `requestDigest`. */
  readonly contentDigest: string;
}

/** What a Register that found the request id already stored should do. */
export type RegistrationMatch =
  /** This execution stored it (an earlier attempt of this same task): carry on as if this attempt had. */
  | 'same-execution'
  /** Another execution stored the same request (an event delivered twice): that one serves it. */
  | 'redelivery'
  /** Another execution stored a different request under this id: this one is refused. */
  | 'conflict';

/**
 * Digest of what a request asks for: everything the agent chose, nothing the broker derived at
 * registration time (`requestedAt` is the clock's, `accountName` the config's, `sourceAccount` the
 * envelope's), so that the agent can compute it from its own request (the CLI does, to recognise an
 * `Elevation Duplicate Refused` event as the answer to its request).
 */
export function requestDigest(request: AskedFor): string {
  const asked = {
    requestId: request.requestId,
    accountId: request.accountId,
    role: request.role,
    minutes: request.minutes,
    reason: request.reason,
    plannedActions: request.plannedActions,
    requester: request.requester ?? null,
    // Only when given, so the digest of a request without resources is what it always was.
    ...(request.plannedResources ? { plannedResources: request.plannedResources } : {}),
  };
  return createHash('sha256').update(JSON.stringify(asked)).digest('hex');
}

/**
 * Compares the registration on record with this attempt's. A record written before registrations were
 * stored has none: it is treated as a redelivery, which is what every earlier version assumed.
 */
export function matchRegistration(stored: Partial<Registration>, attempt: Registration): RegistrationMatch {
  if (stored.executionId === attempt.executionId) return 'same-execution';
  if (stored.contentDigest === undefined || stored.contentDigest === attempt.contentDigest) return 'redelivery';
  return 'conflict';
}
