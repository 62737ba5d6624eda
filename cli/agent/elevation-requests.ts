import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { AGENT_EVENT_SOURCE, ELEVATION_END_REQUESTED, ELEVATION_EXTENSION_REQUESTED, ELEVATION_REQUESTED } from '../../handlers/core/broker-event';
import type { ExtensionRequestDetail } from '../../handlers/core/grant-extension';
import type { BrokerSettings } from '../../handlers/core/broker-settings';
import { type ElevationRequest, type ElevationRequestDetail, type Validation, validateElevationRequest } from '../../handlers/core/elevation-request';

/**
 * Checks a request the way the broker will (handlers/core/elevation-request.ts), before anything is
 * published: a request the broker would reject is refused here with the same messages.
 */
export function checkRequest(detail: ElevationRequestDetail, settings: BrokerSettings, now: Date, source: string = AGENT_EVENT_SOURCE): Validation<ElevationRequest> {
  return validateElevationRequest(
    { id: detail.requestId ?? 'local-check', source, 'detail-type': ELEVATION_REQUESTED, detail },
    settings,
    now,
  );
}

/** PutEvents reports per-entry failures in its answer instead of throwing. */
export class EventNotAcceptedError extends Error {
  constructor(detailType: string, code: string | undefined, message: string | undefined) {
    super(`EventBridge did not accept the ${detailType} event: ${code ?? 'unknown'} ${message ?? ''}`.trim());
    this.name = 'EventNotAcceptedError';
  }
}

async function put(client: EventBridgeClient, bus: string, detailType: string, detail: unknown, source: string): Promise<void> {
  const result = await client.send(
    new PutEventsCommand({ Entries: [{ EventBusName: bus, Source: source, DetailType: detailType, Detail: JSON.stringify(detail) }] }),
  );
  if ((result.FailedEntryCount ?? 0) > 0) {
    const entry = result.Entries?.[0];
    throw new EventNotAcceptedError(detailType, entry?.ErrorCode, entry?.ErrorMessage);
  }
}

/**
 * Sends `Elevation Requested` to the broker's bus with the agent's source (`jit.agent` for the first agent,
 * `jit.agent.<id>` for another): the only one its PutEvents permission allows, and how the broker knows it.
 */
export function publishRequest(client: EventBridgeClient, bus: string, detail: ElevationRequestDetail, source: string = AGENT_EVENT_SOURCE): Promise<void> {
  return put(client, bus, ELEVATION_REQUESTED, detail, source);
}

/** Sends `Elevation End Requested` with the proof that the sender holds the grant. */
export function publishEndRequest(client: EventBridgeClient, bus: string, requestId: string, proof: string, source: string = AGENT_EVENT_SOURCE): Promise<void> {
  return put(client, bus, ELEVATION_END_REQUESTED, { requestId, proof }, source);
}

/** Sends `Elevation Extension Requested`: more minutes on the live grant of `detail.extends`. */
export function publishExtensionRequest(client: EventBridgeClient, bus: string, detail: ExtensionRequestDetail, source: string = AGENT_EVENT_SOURCE): Promise<void> {
  return put(client, bus, ELEVATION_EXTENSION_REQUESTED, detail, source);
}
