import type { ElevationRequest } from '../core/elevation-request';
import type { IssuedCredentialsRecord } from '../core/issued-credentials';
import type { ReportLocation, RequestRecord, RequestStatus } from '../core/request-record';

export interface PendingApproval {
  readonly taskToken: string;
  readonly capabilityHash: string;
  readonly approvalDeadline: string;
}

/** Fields a status change may record alongside the new status. */
export type StatusUpdate = Partial<Pick<RequestRecord, 'grant' | 'report' | 'failure' | 'decision' | 'revokedAt' | 'revokedBy' | 'revokeReason'>>;

/**
 * Durable state of every request: who asked for what, where it stands, and — while a decision is
 * pending — the task token and the hashed approval capability. The agent has no access to it.
 */
export interface RequestStore {
  /** Stores a new request. Returns `exists` when the request id was seen before (a redelivered event). */
  create(request: ElevationRequest, now: Date): Promise<'created' | 'exists'>;
  get(requestId: string): Promise<RequestRecord | undefined>;
  /** Records the task token and capability hash; only from REGISTERED or PENDING_APPROVAL (a retried task). */
  awaitDecision(requestId: string, pending: PendingApproval, now: Date): Promise<void>;
  /**
   * Moves a request to a new status and drops the task token and capability. Returns false when the
   * request is unknown or already in that status, so replays change nothing.
   */
  setStatus(requestId: string, status: RequestStatus, update: StatusUpdate, now: Date): Promise<boolean>;
  /**
   * Appends a credential set mint just issued to the request's `issuedCredentials`, whatever the status:
   * the audit must know every key that existed. Fails when the request is unknown.
   */
  recordIssuedCredentials(requestId: string, issued: IssuedCredentialsRecord, now: Date): Promise<void>;
  /** Records where the audit report of a request is, without changing its status (a failed mint stays FAILED). */
  attachReport(requestId: string, report: ReportLocation, now: Date): Promise<void>;
}
