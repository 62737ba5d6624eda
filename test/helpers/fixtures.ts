import { type ElevationRequest, type RequestEvent, elevationRequestSchema, requestEventSchema } from '../../handlers/core/elevation-request';
import type { RequestRecord } from '../../handlers/core/request-record';

/**
 * The one builder of request fixtures. A test names only what matters to it; the rest is a valid request
 * for account prod (222222222222), role Ops, 5 minutes. The result is parsed with the broker's own schema
 * (`handlers/core/elevation-request.ts`), so a fixture can never be a request the broker would not store.
 */
export function elevationRequest(...layers: ReadonlyArray<Partial<ElevationRequest>>): ElevationRequest {
  return elevationRequestSchema.parse(Object.assign({ ...DEFAULT_REQUEST }, ...layers));
}

const DEFAULT_REQUEST: ElevationRequest = {
  requestId: 'req-00000001',
  accountId: '222222222222',
  accountName: 'prod',
  role: 'Ops',
  minutes: 5,
  reason: 'Restart the worker',
  plannedActions: [],
  requestedAt: '2026-11-28T09:59:00.000Z',
};

/** The request the approval tests review: 30 minutes of Ops with two planned actions, from an agent. */
export const REVIEW_REQUEST: Partial<ElevationRequest> = {
  requestId: 'req-review-0001',
  minutes: 30,
  reason: 'Restart the stuck payment worker',
  plannedActions: ['ecs:UpdateService payments', 'logs:GetLogEvents'],
  requester: 'ops-agent',
};

/** The request the audit tests report on: 45 minutes of Deploy. */
export const AUDIT_REQUEST: Partial<ElevationRequest> = {
  requestId: 'req-audit-0001',
  role: 'Deploy',
  minutes: 45,
  reason: 'Roll out payments v2',
  plannedActions: ['ecs:UpdateService', 'ecs:Describe*'],
  requester: 'ops-agent',
  requestedAt: '2026-11-28T09:50:00Z',
};

/**
 * A stored request record: the request (built as above from `record`'s request fields) in a status, as
 * the store would hold it after the writes that led there. `updatedAt` defaults to `requestedAt`.
 */
export function requestRecord(record: Partial<RequestRecord> & Pick<RequestRecord, 'status'>): RequestRecord {
  const request = elevationRequest(pickRequestFields(record));
  return { ...record, ...request, updatedAt: record.updatedAt ?? request.requestedAt };
}

function pickRequestFields(record: Partial<RequestRecord>): Partial<ElevationRequest> {
  const keys = Object.keys(elevationRequestSchema.shape) as Array<keyof ElevationRequest>;
  return Object.fromEntries(keys.filter((key) => record[key] !== undefined).map((key) => [key, record[key]]));
}

/** An `Elevation Requested` event as EventBridge delivers it: the envelope fields EventBridge always sets. */
export interface DeliveredRequestEvent extends RequestEvent {
  readonly version: '0';
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
}

/**
 * The one builder of request events: an `Elevation Requested` envelope (source `jit.agent`) around
 * `detail`, which is left as given so a test can send what a careless or hostile agent would. The
 * envelope is checked with the broker's own schema.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html
 */
export function requestEvent(detail: Record<string, unknown>, id = 'f3b6c1a2-6a0e-4a4e-9d0e-3f1f4a6b7c8d'): DeliveredRequestEvent {
  const event: DeliveredRequestEvent = {
    version: '0',
    id,
    'detail-type': 'Elevation Requested',
    source: 'jit.agent',
    account: '111111111111',
    time: '2026-11-28T10:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  };
  requestEventSchema.parse(event);
  return event;
}

/**
 * An `Elevation Extension Requested` event as EventBridge delivers it: more minutes on the live grant of
 * `detail.extends` (docs/agent.md#extending-a-live-grant). `source` is the sending agent's.
 */
export function extensionEvent(detail: Record<string, unknown>, id = 'e3b6c1a2-6a0e-4a4e-9d0e-3f1f4a6b7c8e', source = 'jit.agent'): Omit<DeliveredRequestEvent, 'detail-type'> & { 'detail-type': 'Elevation Extension Requested' } {
  return { version: '0', id, 'detail-type': 'Elevation Extension Requested', source, account: '111111111111', time: '2026-11-28T10:00:00Z', region: 'eu-west-1', resources: [], detail };
}
