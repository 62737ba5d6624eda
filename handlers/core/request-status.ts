import type { BrokerEvent, BrokerEventDetail, BrokerOutcome } from './broker-event';
import { isSettledStatus } from './request-lifecycle';
import { REQUEST_STATUSES, type RequestStatus } from './request-record';

/**
 * The one vocabulary of where a request stands, shown the same way everywhere: the request record, the
 * `status` field of broker events, `jit status`/`jit request --json`, the MCP tools' results and the
 * sandbox's pages (docs/cli.md#statuses). The record's statuses, plus `REQUESTED` for a request the agent
 * has sent but the broker has not answered yet (only the agent side can know it).
 */
export const ELEVATION_STATUSES = ['REQUESTED', ...REQUEST_STATUSES] as const;

export type ElevationStatus = (typeof ELEVATION_STATUSES)[number];

/**
 * The status each broker event moves a request to. `Rejected` requests never validated, so they have
 * no record, but the agent still learns the status from the event; `End Refused` and `Approver Refused`
 * change nothing.
 */
export const STATUS_OF_OUTCOME: Readonly<Record<BrokerOutcome, RequestStatus | undefined>> = {
  'Pending Approval': 'PENDING_APPROVAL',
  Granted: 'GRANTED',
  Denied: 'DENIED',
  'Approval Expired': 'APPROVAL_EXPIRED',
  Rejected: 'REJECTED',
  Failed: 'FAILED',
  Ended: 'ENDED',
  Revoked: 'REVOKED',
  Audited: 'AUDITED',
  'End Refused': undefined,
  Refused: 'REFUSED',
  'Approver Refused': undefined,
  // An alert to humans about an approval; the Granted event that follows moves the request.
  'Break Glass': undefined,
  // Says nothing about the request on record under that id, which goes on.
  'Duplicate Refused': undefined,
  Extended: 'EXTENDED',
  // A tripwire's revocation: recorded as REVOKED (revokedBy jit-broker-tripwire).
  Tripped: 'REVOKED',
  // A notice before the expiry; the grant goes on as it was.
  Expiring: undefined,
};

/**
 * Statuses after which nothing more happens to a request's access (an audit may still follow a grant),
 * read off the lifecycle table (`isSettledStatus`). `REQUESTED` is not: the broker has not answered yet.
 */
export const SETTLED_STATUSES: ReadonlySet<ElevationStatus> = new Set(REQUEST_STATUSES.filter((s) => isSettledStatus(s)));

/**
 * Where a request stands after a sequence of broker events, oldest first: the status of the latest
 * event that moves it, or `undefined` when none does.
 */
export function statusAfter(outcomes: Iterable<BrokerOutcome>): RequestStatus | undefined {
  let status: RequestStatus | undefined;
  for (const outcome of outcomes) status = STATUS_OF_OUTCOME[outcome] ?? status;
  return status;
}

/**
 * The detail a broker event is published with: its own facts plus the `status` the event moves the
 * request to, so subscribers read the same words as the CLI and the MCP tools.
 */
export function publishedDetail(event: BrokerEvent): BrokerEventDetail {
  const status = STATUS_OF_OUTCOME[event.outcome];
  return status ? { ...event.detail, status } : event.detail;
}
