import type { PostReviewAck } from '../core/break-glass';
import type { ApprovalDecision, Denial } from '../core/approval-decision';
import type { QuorumApproval, QuorumApprovals } from '../core/approval-quorum';
import type { RequestRouting } from '../core/approver-routing';
import type { ElevationRequest } from '../core/elevation-request';
import type { PostedPrompt } from './chat-notifier';
import type { GrantSummary } from '../core/grant';
import type { IssuedCredentialsRecord } from '../core/issued-credentials';
import type { ExpiryFacts } from '../core/expiry-notice';
import type { PolicyProofs } from '../core/policy-proofs';
import type { Registration } from '../core/registration';
import type { ApproverLinks, ReportLocation, RequestRecord, RequestStatus } from '../core/request-record';

export interface PendingApproval {
  readonly taskToken: string;
  /** SHA-256 of each approver's link capability → that approver. */
  readonly approverLinks: ApproverLinks;
  readonly approvalDeadline: string;
  /** Who may decide and how many approvals it needs (approver-routing.ts). */
  readonly routing?: RequestRouting;
  /** Access Analyzer's checks of the session policy a grant as requested would get (prove-session-policy.ts). */
  readonly approvalProofs?: PolicyProofs;
}

/** A retried approval request's stored wait: its deadline, and the proofs the approvers were shown. */
export interface ResumedApproval {
  readonly approvalDeadline: string;
  readonly approvalProofs?: PolicyProofs;
}

/** Fields a status change may record alongside the new status. */
export type StatusUpdate = Partial<Pick<RequestRecord, 'grant' | 'report' | 'failure' | 'decision' | 'revokedAt' | 'revokedBy' | 'revokeReason'>>;

/**
 * An approver's claim on the one decision a pending request gets. The store grants it to exactly one
 * caller, and only while the request is pending, its approval window open and — for a link — the link's
 * capability still the one on record for that approver.
 */
export interface DecisionClaim {
  readonly outcome: { readonly status: 'APPROVED'; readonly decision: ApprovalDecision } | { readonly status: 'DENIED'; readonly denial: Denial };
  /** When the claim is made; the approval deadline must be later. Also identifies the claim when it is settled. */
  readonly decidedAt: string;
  /** For a link: the stored capability hash and the approver it belongs to. A CLI claim has none. */
  readonly link?: { readonly capabilityHash: string; readonly approver: string };
}

/**
 * How a claimed decision ended: delivered to the waiting workflow, refused because the workflow no longer
 * waits (its approval timed out or it was stopped), or not delivered because of a fault (the claim is
 * released, so the approver can try again).
 */
export type DecisionDelivery = 'delivered' | 'gone' | 'undelivered';

/** What `jit pending` shows of a request; no task token, no link hashes. */
export type PendingSummary = Pick<
  RequestRecord,
  'requestId' | 'accountId' | 'accountName' | 'role' | 'minutes' | 'reason' | 'plannedActions' | 'requester' | 'requestedAt' | 'approvalDeadline' | 'routing' | 'approvals' | 'extension'
>;

/**
 * Durable state of every request: who asked for what, where it stands, and — while a decision is
 * pending — the task token and the hashed approval capabilities. The agent has no access to it.
 */
export interface RequestStore {
  /**
   * Stores a new request, with the registration that says which execution stored it. Returns `exists`
   * when the request id was seen before (a redelivered event, or a retry of the same Register).
   */
  create(request: ElevationRequest, now: Date, registration?: Registration): Promise<'created' | 'exists'>;
  get(requestId: string): Promise<RequestRecord | undefined>;
  /** Records the task token and the link hashes; only from REGISTERED or PENDING_APPROVAL (a retried task). */
  awaitDecision(requestId: string, pending: PendingApproval, now: Date): Promise<void>;
  /**
   * For a retried AwaitApproval: when the approvers were already mailed their links for this request
   * (`markApprovalMailed`) and its window is still open, keeps those links and stores the new task token.
   * Returns the approval deadline then; undefined when there is nothing to resume (new links are needed).
   */
  resumeAwaitDecision(requestId: string, taskToken: string, now: Date): Promise<ResumedApproval | undefined>;
  /** Records that every approver was mailed the links stored with `taskToken`. */
  markApprovalMailed(requestId: string, taskToken: string, now: Date): Promise<void>;
  /**
   * Atomically takes the single decision of a pending request (a conditional write). Returns false when
   * someone else decided first, the window closed, or the link is no longer the one on record.
   */
  claimDecision(requestId: string, claim: DecisionClaim): Promise<boolean>;
  /**
   * Counts one approval towards a quorum (a conditional write): only while the request is pending, its
   * window open, the task token held, the link (if any) still on record, and this approver not counted
   * yet. Returns every approval counted after the write, or undefined when the write was refused (the
   * approver was already counted, or the request can no longer be decided).
   */
  recordApproval(requestId: string, approval: QuorumApproval, link?: DecisionClaim['link']): Promise<QuorumApprovals | undefined>;
  /**
   * Records how delivering a claimed decision ended: `delivered` drops the task token; `gone` marks the
   * request APPROVAL_EXPIRED; `undelivered` returns it to PENDING_APPROVAL. Only touches the record while
   * it still holds this claim, so a later state written by the workflow is never overwritten.
   */
  settleDecision(requestId: string, claim: DecisionClaim, delivery: DecisionDelivery, now: Date): Promise<void>;
  /**
   * Appends where the chat prompts of a request were posted, so that every copy is updated with the
   * outcome (not only the one pressed). Ignored for an unknown request.
   */
  recordChatPrompts(requestId: string, posted: readonly PostedPrompt[], now: Date): Promise<void>;
  /** Requests waiting for a decision, oldest first (including those whose window has just closed). */
  listPending(): Promise<PendingSummary[]>;
  /**
   * The ids of requests in APPROVED or DENIED that were requested at or after `since`, oldest first: the
   * candidates of the decision reconciler (`handlers/use-cases/reconcile-decisions.ts`), which reads each
   * one to see whether its claimed decision still waits to be delivered.
   */
  listClaimedDecisions(since: Date): Promise<string[]>;
  /**
   * Moves a request to a new status and drops the task token. Returns false when the request is unknown,
   * already in that status, or in a status the new one may not follow (`handlers/core/request-lifecycle.ts`), so
   * replays and late writers change nothing.
   */
  setStatus(requestId: string, status: RequestStatus, update: StatusUpdate, now: Date): Promise<boolean>;
  /**
   * True when the request already is in `status` and no early end (`jit end`, `jit revoke`) put it there:
   * a retried Notify whose earlier attempt recorded the status, and may have died before publishing.
   */
  heldStatusFromWorkflow(requestId: string, status: RequestStatus, now: Date): Promise<boolean>;
  /**
   * Appends a credential set mint just issued to the request's `issuedCredentials`, whatever the status:
   * the audit must know every key that existed. Fails when the request is unknown.
   */
  recordIssuedCredentials(requestId: string, issued: IssuedCredentialsRecord, now: Date): Promise<void>;
  /** The credential sets recorded for a request (empty when none, or the request is unknown). */
  issuedCredentialsOf(requestId: string): Promise<IssuedCredentialsRecord[]>;
  /**
   * Records the acknowledgement of a break-glass approval (`jit ack`) once. Returns false, changing
   * nothing, when the request is unknown or already acknowledged.
   */
  acknowledgePostReview(requestId: string, ack: PostReviewAck, now: Date): Promise<boolean>;
  /**
   * Replaces the grant of a live request with the credential set an extension delivered, only while the
   * request is GRANTED, not revoked, and its grant is still `previousGrantId` (a compare-and-swap, so a
   * retried Notify or a second extension cannot go backwards). False when the condition did not hold.
   */
  recordExtension(requestId: string, grant: GrantSummary, previousGrantId: string, now: Date): Promise<boolean>;
  /**
   * Only what a pre-expiry notice must check (status, grant, revocation, decision, routing): a projected,
   * consistent read (handlers/core/expiry-notice.ts). Undefined for an unknown request.
   */
  expiryFacts(requestId: string): Promise<ExpiryFacts | undefined>;
  /** Records where the audit report of a request is, without changing its status (a failed mint stays FAILED). */
  attachReport(requestId: string, report: ReportLocation, now: Date): Promise<void>;
}
