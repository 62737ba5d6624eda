import type { ApprovalDecision } from './approval-decision';
import type { ElevationRequest } from './elevation-request';
import type { GrantSummary } from './grant';

/** Where a request stands. Terminal states never change again, except GRANTED → ENDED/REVOKED → AUDITED. */
export const REQUEST_STATUSES = [
  'REGISTERED',
  'PENDING_APPROVAL',
  'APPROVED',
  'DENIED',
  'APPROVAL_EXPIRED',
  'REJECTED',
  'GRANTED',
  'FAILED',
  'ENDED',
  'REVOKED',
  'AUDITED',
] as const;

export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export interface ReportLocation {
  readonly jsonUri: string;
  readonly markdownUri: string;
  readonly jsonVersionId?: string;
  readonly markdownVersionId?: string;
  readonly complete: boolean;
  readonly eventCount: number;
}

/** A request as the store holds it. `taskToken` and `capabilityHash` exist only while a decision is pending. */
export interface RequestRecord extends ElevationRequest {
  readonly status: RequestStatus;
  readonly updatedAt: string;
  readonly approvalDeadline?: string;
  readonly capabilityHash?: string;
  readonly taskToken?: string;
  readonly decision?: ApprovalDecision;
  readonly grant?: GrantSummary;
  readonly report?: ReportLocation;
  readonly failure?: string;
}
