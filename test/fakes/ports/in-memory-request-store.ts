import type { PostReviewAck } from '../../../handlers/core/break-glass';
import type { GrantSummary } from '../../../handlers/core/grant';
import type { ExpiryFacts } from '../../../handlers/core/expiry-notice';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { QuorumApproval, QuorumApprovals } from '../../../handlers/core/approval-quorum';
import type { ElevationRequest } from '../../../handlers/core/elevation-request';
import type { IssuedCredentialsRecord } from '../../../handlers/core/issued-credentials';
import type { Registration } from '../../../handlers/core/registration';
import { type LifecycleWrite, mayMove, statusesBefore } from '../../../handlers/core/request-lifecycle';
import type { ReportLocation, RequestRecord, RequestStatus } from '../../../handlers/core/request-record';
import { REQUEST_KEY, STATUS_INDEX_ATTRIBUTES, STATUS_INDEX_KEYS, TTL_ATTRIBUTE } from '../../../handlers/core/request-table-schema';
import { requestView } from '../../../handlers/core/request-view';
import type { PostedPrompt } from '../../../handlers/ports/chat-notifier';
import type { DecisionClaim, DecisionDelivery, PendingApproval, PendingSummary, RequestStore, ResumedApproval, StatusUpdate } from '../../../handlers/ports/request-store';

/** What the store keeps per request: the record plus the TTL attribute DynamoDB reads. */
type StoredItem = RequestRecord & { readonly [TTL_ATTRIBUTE]?: number };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The request store's contract in memory, for use-case tests that need a store but not DynamoDB. It keeps
 * the same rules as `DynamoDbRequestStore`: every write is conditional on the lifecycle table
 * (`handlers/core/request-lifecycle.ts`); a refused `setStatus`, `claimDecision` or `settleDecision`
 * returns false or changes nothing; a refused `awaitDecision`, `recordIssuedCredentials` or `attachReport`
 * throws the SDK's `ConditionalCheckFailedException`, as the adapter lets it through. Timestamps are
 * compared as ISO strings, as DynamoDB compares string attributes. `test/handlers/ports/request-store.test.ts`
 * runs the same cases against this fake and against the adapter, to keep the two in step.
 *
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
 */
export class InMemoryRequestStore implements RequestStore {
  private readonly items = new Map<string, StoredItem>();

  constructor(private readonly retentionDays = 400) {}

  /** Puts a record as it would be after earlier writes (a test's starting state); no condition applies. */
  seed(record: RequestRecord): void {
    this.items.set(record.requestId, structuredClone(record));
  }

  async create(request: ElevationRequest, now: Date, registration?: Registration): Promise<'created' | 'exists'> {
    if (this.items.has(request.requestId)) return 'exists';
    this.items.set(request.requestId, {
      ...structuredClone(request),
      ...(registration ? { registration: structuredClone(registration) } : {}),
      status: 'REGISTERED',
      updatedAt: now.toISOString(),
      [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + this.retentionDays * 86_400,
    });
    return 'created';
  }

  async get(requestId: string): Promise<RequestRecord | undefined> {
    const item = this.items.get(requestId);
    return item && structuredClone(item);
  }

  async awaitDecision(requestId: string, pending: PendingApproval, now: Date): Promise<void> {
    const item = this.items.get(requestId);
    if (!item || !statusMayPrecede(item, 'awaitDecision', 'PENDING_APPROVAL')) throw conditionFailed();
    const next: Mutable<StoredItem> = {
      ...item,
      status: 'PENDING_APPROVAL',
      taskToken: pending.taskToken,
      approverLinks: structuredClone(pending.approverLinks),
      approvalDeadline: pending.approvalDeadline,
      approvals: item.approvals ?? {},
      ...(pending.routing ? { routing: structuredClone(pending.routing) } : {}),
      ...(pending.approvalProofs ? { approvalProofs: structuredClone(pending.approvalProofs) } : {}),
      updatedAt: now.toISOString(),
    };
    // New links: nobody has been mailed them yet.
    delete next.approvalMailedAt;
    this.write(requestId, next);
  }

  async resumeAwaitDecision(requestId: string, taskToken: string, now: Date): Promise<ResumedApproval | undefined> {
    const item = this.items.get(requestId);
    // `approvalDeadline > :now` is false when the attribute is missing, as in DynamoDB.
    if (!item || item.status !== 'PENDING_APPROVAL' || item.approvalMailedAt === undefined) return undefined;
    if (item.approvalDeadline === undefined || !(item.approvalDeadline > now.toISOString())) return undefined;
    this.write(requestId, { ...item, taskToken, updatedAt: now.toISOString() });
    return { approvalDeadline: item.approvalDeadline, ...(item.approvalProofs ? { approvalProofs: item.approvalProofs } : {}) };
  }

  async markApprovalMailed(requestId: string, taskToken: string, now: Date): Promise<void> {
    const item = this.items.get(requestId);
    // Refused (and ignored) when a newer attempt replaced the token meanwhile: its own mail counts.
    if (!item || item.taskToken !== taskToken) return;
    this.write(requestId, { ...item, approvalMailedAt: now.toISOString(), updatedAt: now.toISOString() });
  }

  async setStatus(requestId: string, status: RequestStatus, update: StatusUpdate, now: Date): Promise<boolean> {
    const item = this.items.get(requestId);
    if (!item || !statusMayPrecede(item, 'recordOutcome', status)) return false;
    const next: Mutable<StoredItem> = { ...item, status, updatedAt: now.toISOString() };
    for (const [field, value] of Object.entries(update)) {
      if (value !== undefined) Object.assign(next, { [field]: structuredClone(value) });
    }
    delete next.taskToken;
    this.write(requestId, next);
    return true;
  }

  async heldStatusFromWorkflow(requestId: string, status: RequestStatus, now: Date): Promise<boolean> {
    const item = this.items.get(requestId);
    if (!item || item.status !== status || item.revokedAt !== undefined) return false;
    this.write(requestId, { ...item, updatedAt: now.toISOString() });
    return true;
  }

  async claimDecision(requestId: string, claim: DecisionClaim): Promise<boolean> {
    const item = this.items.get(requestId);
    const { outcome, link, decidedAt } = claim;
    if (!item || !statusMayPrecede(item, 'claimDecision', outcome.status)) return false;
    // `approvalDeadline > :now` is false when the attribute is missing, as in DynamoDB.
    if (item.approvalDeadline === undefined || !(item.approvalDeadline > decidedAt)) return false;
    if (item.taskToken === undefined) return false;
    if (link && item.approverLinks?.[link.capabilityHash] !== link.approver) return false;
    const next: Mutable<StoredItem> = { ...item, status: outcome.status, decidedAt, updatedAt: decidedAt };
    if (outcome.status === 'APPROVED') next.decision = structuredClone(outcome.decision);
    else next.denial = structuredClone(outcome.denial);
    this.write(requestId, next);
    return true;
  }

  async recordApproval(requestId: string, approval: QuorumApproval, link?: DecisionClaim['link']): Promise<QuorumApprovals | undefined> {
    const item = this.items.get(requestId);
    if (!item || item.status !== 'PENDING_APPROVAL' || item.taskToken === undefined) return undefined;
    if (item.approvalDeadline === undefined || !(item.approvalDeadline > approval.decidedAt)) return undefined;
    if (link && item.approverLinks?.[link.capabilityHash] !== link.approver) return undefined;
    // SET on a path inside a map that does not exist is a ValidationException in DynamoDB.
    if (item.approvals === undefined) throw new Error('ValidationException: The document path provided in the update expression is invalid for update');
    if (approval.approver in item.approvals) return undefined;
    if (item.quorumRole !== undefined && item.quorumRole !== approval.role) return undefined;
    const approvals = { ...item.approvals, [approval.approver]: structuredClone(approval) };
    this.write(requestId, { ...item, approvals, quorumRole: item.quorumRole ?? approval.role, updatedAt: approval.decidedAt });
    return structuredClone(approvals);
  }

  async settleDecision(requestId: string, claim: DecisionClaim, delivery: DecisionDelivery, now: Date): Promise<void> {
    if (delivery !== 'delivered') {
      const [write, next]: [LifecycleWrite, RequestStatus] = delivery === 'gone' ? ['expireDecision', 'APPROVAL_EXPIRED'] : ['releaseDecision', 'PENDING_APPROVAL'];
      if (!mayMove(write, claim.outcome.status, next)) throw new RangeError(`A ${claim.outcome.status} claim cannot move to ${next}.`);
    }
    const item = this.items.get(requestId);
    // Refused (silently) once the claim is no longer on record: a later state written by the workflow wins.
    if (!item || item.decidedAt !== claim.decidedAt) return;
    const settled: Mutable<StoredItem> = { ...item, updatedAt: now.toISOString() };
    if (delivery === 'delivered') {
      delete settled.taskToken;
    } else {
      if (item.status !== claim.outcome.status) return;
      settled.status = delivery === 'gone' ? 'APPROVAL_EXPIRED' : 'PENDING_APPROVAL';
      if (delivery === 'gone') delete settled.taskToken;
      if (claim.outcome.status === 'APPROVED') delete settled.decision;
      else delete settled.denial;
      delete settled.decidedAt;
    }
    this.write(requestId, settled);
  }

  /**
   * Pending requests, oldest first, with only what the status index projects (its keys, the table key
   * and the included attributes), so a use case cannot rely on a field the index does not hold.
   *
   * @see https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Projection.html
   */
  async recordChatPrompts(requestId: string, posted: readonly PostedPrompt[], now: Date): Promise<void> {
    const item = this.items.get(requestId);
    if (!item) return;
    this.write(requestId, { ...item, chatPrompts: [...(item.chatPrompts ?? []), ...posted.map((p) => ({ channel: p.channel, ts: p.ts }))], updatedAt: now.toISOString() });
  }

  async listPending(): Promise<PendingSummary[]> {
    const projected = new Set<string>([REQUEST_KEY, STATUS_INDEX_KEYS.partition, STATUS_INDEX_KEYS.sort, ...STATUS_INDEX_ATTRIBUTES]);
    return [...this.items.values()]
      .filter((item) => item.status === 'PENDING_APPROVAL')
      .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt))
      .map((item) => requestView(Object.fromEntries(Object.entries(structuredClone(item)).filter(([key]) => projected.has(key)))) as PendingSummary);
  }

  async listClaimedDecisions(since: Date): Promise<string[]> {
    return [...this.items.values()]
      .filter((item) => (item.status === 'APPROVED' || item.status === 'DENIED') && item.requestedAt >= since.toISOString())
      .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt))
      .map((item) => item.requestId);
  }

  async recordIssuedCredentials(requestId: string, issued: IssuedCredentialsRecord, now: Date): Promise<void> {
    const item = this.items.get(requestId);
    if (!item) throw conditionFailed();
    this.write(requestId, { ...item, issuedCredentials: [...(item.issuedCredentials ?? []), structuredClone(issued)], updatedAt: now.toISOString() });
  }

  async issuedCredentialsOf(requestId: string): Promise<IssuedCredentialsRecord[]> {
    return [...structuredClone(this.items.get(requestId)?.issuedCredentials ?? [])];
  }

  async expiryFacts(requestId: string): Promise<ExpiryFacts | undefined> {
    const item = this.items.get(requestId);
    if (!item) return undefined;
    const { status, grant, revokedAt, decision, routing } = structuredClone(item);
    return { status, ...(grant ? { grant } : {}), ...(revokedAt !== undefined ? { revokedAt } : {}), ...(decision ? { decision } : {}), ...(routing ? { routing } : {}) };
  }

  async recordExtension(requestId: string, grant: GrantSummary, previousGrantId: string, now: Date): Promise<boolean> {
    const item = this.items.get(requestId);
    if (!item || item.status !== 'GRANTED' || item.revokedAt !== undefined || item.grant?.grantId !== previousGrantId) return false;
    this.write(requestId, { ...item, grant: structuredClone(grant), updatedAt: now.toISOString() });
    return true;
  }

  async attachReport(requestId: string, report: ReportLocation, now: Date): Promise<void> {
    const item = this.items.get(requestId);
    if (!item) throw conditionFailed();
    this.write(requestId, { ...item, report: structuredClone(report), updatedAt: now.toISOString() });
  }

  async acknowledgePostReview(requestId: string, ack: PostReviewAck, now: Date): Promise<boolean> {
    const item = this.items.get(requestId);
    if (!item || item.postReviewAck) return false;
    this.write(requestId, { ...item, postReviewAck: structuredClone(ack), updatedAt: now.toISOString() });
    return true;
  }

  private write(requestId: string, item: StoredItem): void {
    this.items.set(requestId, item);
  }
}

function statusMayPrecede(item: StoredItem, write: LifecycleWrite, to: RequestStatus): boolean {
  return statusesBefore(write, to).includes(item.status);
}

/** The exception the DynamoDB store lets through when a write's condition does not hold. */
function conditionFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}
