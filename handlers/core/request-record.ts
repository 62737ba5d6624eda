import type { PostReviewAck } from './break-glass';
import type { ApprovalDecision, Denial } from './approval-decision';
import type { QuorumApprovals } from './approval-quorum';
import type { RequestRouting } from './approver-routing';
import type { ElevationRequest } from './elevation-request';
import type { GrantSummary } from './grant';
import type { IssuedCredentialsRecord } from './issued-credentials';
import type { PolicyProofs } from './policy-proofs';
import type { ReportLocation } from './report-location';
import type { Registration } from './registration';

/** Where a request stands. Which status may follow which is the lifecycle table in `request-lifecycle.ts`. */
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
  /** Refused because a grant of the same agent and account was live; nothing was minted. */
  'REFUSED',
  /** An extension request whose new credential set was delivered into the live grant's secret. */
  'EXTENDED',
] as const;

export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export type { ReportLocation } from './report-location';

/**
 * SHA-256 (hex) of each approver's link capability → that approver's address. Every approver gets a
 * link of their own, so the decision names who made it. Kept after the decision (hashes are worthless
 * to an attacker) so a used link can still say who decided what, instead of a bare "not found".
 */
export type ApproverLinks = Readonly<Record<string, string>>;

/** A request as the store holds it. `taskToken` exists only while a decision is pending or being delivered. */
export interface RequestRecord extends ElevationRequest {
  readonly status: RequestStatus;
  readonly updatedAt: string;
  /** Which execution stored the request, and a digest of what it asks for; absent on older records. */
  readonly registration?: Registration;
  readonly approvalDeadline?: string;
  readonly approverLinks?: ApproverLinks;
  readonly taskToken?: string;
  /** Who may decide it and how many approvals it needs, fixed when it started to wait (approver-routing.ts). */
  readonly routing?: RequestRouting;
  /**
   * What IAM Access Analyzer answered, when the approvers were asked, about the session policy a grant as
   * requested would get; the approval messages, the review page and `jit pending` show it. The mint proves
   * the exact policy it passes again (a decision may lower the minutes or the role): `grant.proofs`.
   */
  readonly approvalProofs?: PolicyProofs;
  /** The approvals counted so far towards a quorum, by approver address (approval-quorum.ts). */
  readonly approvals?: QuorumApprovals;
  /** Where the request's chat prompts were posted (Slack channel and message ts), each updated with the outcome. */
  readonly chatPrompts?: ReadonlyArray<{ readonly channel: string; readonly ts: string }>;
  /** The role the first approval of a quorum approved; every later approval must approve it too. */
  readonly quorumRole?: string;
  /** When every approver was mailed the current links; a retried approval request then mails nobody again. */
  readonly approvalMailedAt?: string;
  /** When an approver claimed the decision; set together with `decision` or `denial`. */
  readonly decidedAt?: string;
  readonly decision?: ApprovalDecision;
  readonly denial?: Denial;
  readonly grant?: GrantSummary;
  readonly report?: ReportLocation;
  readonly failure?: string;
  /**
   * Every credential set minted for the request, appended by mint right after AssumeRole and before the
   * credentials go anywhere. More than one when a mint attempt failed after AssumeRole and was retried.
   */
  readonly issuedCredentials?: readonly IssuedCredentialsRecord[];
  /**
   * Set by an early end (invariant 8, docs/security-invariants.md): `jit revoke` by an approver (status REVOKED) or `jit end` by the
   * agent (status ENDED). `revokedBy` is the ARN STS authenticated for the caller. The audit reports it
   * and flags calls made after it.
   */
  readonly revokedAt?: string;
  readonly revokedBy?: string;
  readonly revokeReason?: string;
  /** Who acknowledged a break-glass approval after the fact (`jit ack`); see `postReviewOf` (break-glass.ts). */
  readonly postReviewAck?: PostReviewAck;
}

/** The part of a record `jit-auditor` may read: where its audit report is (`AUDITOR_READABLE_ATTRIBUTES`). */
export type ReportRecordFields = Pick<RequestRecord, 'requestId' | 'accountId' | 'report'>;
