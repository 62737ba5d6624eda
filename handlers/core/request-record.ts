import type { ApprovalDecision } from './approval-decision';
import type { ElevationRequest } from './elevation-request';
import type { GrantSummary } from './grant';
import type { IssuedCredentialsRecord } from './issued-credentials';
import type { ReportLocation } from './report-location';

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

export type { ReportLocation } from './report-location';

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
  /**
   * Every credential set minted for the request, appended by mint right after AssumeRole and before the
   * credentials go anywhere. More than one when a mint attempt failed after AssumeRole and was retried.
   */
  readonly issuedCredentials?: readonly IssuedCredentialsRecord[];
  /** Set by an early revoke (BRIEF §3.8); the audit reports it and flags calls made after it. */
  readonly revokedAt?: string;
  readonly revokedBy?: string;
  readonly revokeReason?: string;
}
