import type { PostReviewAck } from '../../core/break-glass';
import type { GrantSummary } from '../../core/grant';
import { EXPIRY_FACT_ATTRIBUTES, type ExpiryFacts } from '../../core/expiry-notice';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { QuorumApproval, QuorumApprovals } from '../../core/approval-quorum';
import type { ElevationRequest } from '../../core/elevation-request';
import type { IssuedCredentialsRecord } from '../../core/issued-credentials';
import type { Registration } from '../../core/registration';
import { type LifecycleWrite, mayMove, statusesBefore } from '../../core/request-lifecycle';
import type { ReportLocation, ReportRecordFields, RequestRecord, RequestStatus } from '../../core/request-record';
import { AUDITOR_READABLE_ATTRIBUTES, STATUS_INDEX, TTL_ATTRIBUTE } from '../../core/request-table-schema';
import { requestView } from '../../core/request-view';
import type { PostedPrompt } from '../../ports/chat-notifier';
import type {
  DecisionClaim,
  DecisionDelivery,
  PendingApproval,
  PendingSummary,
  RequestStore,
  ResumedApproval,
  StatusUpdate,
} from '../../ports/request-store';
import { policyProofsSchema } from '../../core/policy-proofs';

const PENDING: RequestStatus = 'PENDING_APPROVAL';

type Names = Record<string, string>;
type Values = Record<string, unknown>;

/**
 * The parts of the store's conditional writes, each named for what it checks (as Powertools' DynamoDB
 * persistence layer names `idempotencyKeyDoesNotExist`) and joined with AND. The status guards come from
 * the lifecycle table (`handlers/core/request-lifecycle.ts`); none is written by hand here.
 */
export const conditions = {
  requestIsNew: (): string => 'attribute_not_exists(requestId)',
  requestExists: (): string => 'attribute_exists(requestId)',
  /** The status is one `write` may move the request to `to` from. */
  statusMayPrecede(write: LifecycleWrite, to: RequestStatus, names: Names, values: Values): string {
    const from = statusesBefore(write, to);
    names['#status'] = 'status';
    from.forEach((status, i) => (values[`:from${i}`] = status));
    return `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`;
  },
  approvalWindowOpen: (): string => 'approvalDeadline > :now',
  taskTokenHeld: (): string => 'attribute_exists(taskToken)',
  /** The link's capability hash still maps to its approver (`#links.#hash`). */
  linkStillOnRecord: (): string => '#links.#hash = :approver',
  /** The request still holds this claim (`:claimed` at `:decidedAt`). */
  claimStillHeld: (): string => '#status = :claimed AND decidedAt = :decidedAt',
  /** The claim is still the one on record, whatever status the workflow has moved on to. */
  claimStillOnRecord: (): string => 'decidedAt = :decidedAt',
};

function all(...parts: string[]): string {
  return parts.join(' AND ');
}

export interface DynamoDbRequestStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /**
   * Days a request record is kept before DynamoDB's TTL removes it; reports in S3 outlive it.
   * @default 400
   */
  readonly retentionDays?: number;
}

/**
 * Request records in DynamoDB, keyed by `requestId`. Every write is conditional, so a redelivered event
 * or a retried task cannot create a second request or move a finished one backwards.
 */
export class DynamoDbRequestStore implements RequestStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly retentionDays: number;

  constructor(options: DynamoDbRequestStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.retentionDays = options.retentionDays ?? 400;
  }

  async create(request: ElevationRequest, now: Date, registration?: Registration): Promise<'created' | 'exists'> {
    const item = {
      ...request,
      ...(registration ? { registration } : {}),
      status: 'REGISTERED' satisfies RequestStatus,
      updatedAt: now.toISOString(),
      [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + this.retentionDays * 86_400,
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: conditions.requestIsNew(),
        }),
      );
      return 'created';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'exists';
      throw error;
    }
  }

  async get(requestId: string): Promise<RequestRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { requestId }, ConsistentRead: true }),
    );
    return result.Item as RequestRecord | undefined;
  }

  /**
   * Reads only where a request's audit report is (the attributes `jit-auditor` may read), with a
   * projection, so a caller whose policy allows nothing more still gets an answer.
   */
  async getReportLocation(requestId: string): Promise<ReportRecordFields | undefined> {
    const names = Object.fromEntries(AUDITOR_READABLE_ATTRIBUTES.map((name, i) => [`#a${i}`, name]));
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { requestId },
        ConsistentRead: true,
        ProjectionExpression: Object.keys(names).join(', '),
        ExpressionAttributeNames: names,
      }),
    );
    return result.Item as ReportRecordFields | undefined;
  }

  async awaitDecision(requestId: string, pending: PendingApproval, now: Date): Promise<void> {
    const names: Names = {};
    const values: Values = {
      ':pending': PENDING,
      ':taskToken': pending.taskToken,
      ':links': pending.approverLinks,
      ':deadline': pending.approvalDeadline,
      ':now': now.toISOString(),
      ':noApprovals': {},
    };
    let routing = '';
    if (pending.routing) {
      values[':routing'] = pending.routing;
      routing = ', routing = :routing';
    }
    if (pending.approvalProofs) {
      values[':approvalProofs'] = pending.approvalProofs;
      routing += ', approvalProofs = :approvalProofs';
    }
    const condition = conditions.statusMayPrecede('awaitDecision', PENDING, names, values);
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { requestId },
        UpdateExpression:
          // `approvals` is created empty (kept on a retry) so that an approval can be set at `approvals.<who>`:
          // SET on a nested path whose map does not exist is refused.
          // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html#Expressions.UpdateExpressions.SET.AddingNestedMapAttributes
          `SET #status = :pending, taskToken = :taskToken, approverLinks = :links, approvalDeadline = :deadline, updatedAt = :now, approvals = if_not_exists(approvals, :noApprovals)${routing} REMOVE approvalMailedAt`,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async resumeAwaitDecision(requestId: string, taskToken: string, now: Date): Promise<ResumedApproval | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { requestId },
          UpdateExpression: 'SET taskToken = :taskToken, updatedAt = :now',
          ConditionExpression: '#status = :pending AND attribute_exists(approvalMailedAt) AND approvalDeadline > :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': PENDING, ':taskToken': taskToken, ':now': now.toISOString() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const deadline = result.Attributes?.approvalDeadline;
      // The proofs stored with the first attempt, so the retried `Elevation Pending Approval` carries them too.
      const proofs = policyProofsSchema.safeParse(result.Attributes?.approvalProofs);
      return typeof deadline === 'string' ? { approvalDeadline: deadline, ...(proofs.success ? { approvalProofs: proofs.data } : {}) } : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async markApprovalMailed(requestId: string, taskToken: string, now: Date): Promise<void> {
    // Refused (and ignored) when a newer attempt replaced the token meanwhile: its own mail counts.
    await this.updateIf(requestId, 'SET approvalMailedAt = :now, updatedAt = :now', 'taskToken = :taskToken', {}, { ':taskToken': taskToken, ':now': now.toISOString() });
  }

  async setStatus(requestId: string, status: RequestStatus, update: StatusUpdate, now: Date): Promise<boolean> {
    // A status no outcome may record (REJECTED, or PENDING_APPROVAL outside AwaitApproval) changes nothing.
    if (statusesBefore('recordOutcome', status).length === 0) return false;
    const names: Names = { '#status': 'status' };
    const values: Values = { ':status': status, ':now': now.toISOString() };
    const sets = ['#status = :status', 'updatedAt = :now'];
    const condition = all(conditions.requestExists(), conditions.statusMayPrecede('recordOutcome', status, names, values));
    for (const [field, value] of Object.entries(update)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    // The token is worthless once the request left PENDING_APPROVAL; drop it. The link hashes stay, so a
    // used link can still show who decided.
    return this.updateIf(requestId, `SET ${sets.join(', ')} REMOVE taskToken`, condition, names, values);
  }

  async heldStatusFromWorkflow(requestId: string, status: RequestStatus, now: Date): Promise<boolean> {
    // A write of updatedAt only, so that it needs no read permission; refused unless the status holds.
    return this.updateIf(
      requestId,
      'SET updatedAt = :now',
      '#status = :status AND attribute_not_exists(revokedAt)',
      { '#status': 'status' },
      { ':status': status, ':now': now.toISOString() },
    );
  }

  async claimDecision(requestId: string, claim: DecisionClaim): Promise<boolean> {
    const { outcome, link, decidedAt } = claim;
    const names: Names = { '#outcome': outcome.status === 'APPROVED' ? 'decision' : 'denial' };
    const values: Values = {
      ':claimed': outcome.status,
      ':outcome': outcome.status === 'APPROVED' ? outcome.decision : outcome.denial,
      ':now': decidedAt,
    };
    const parts = [conditions.statusMayPrecede('claimDecision', outcome.status, names, values), conditions.approvalWindowOpen(), conditions.taskTokenHeld()];
    if (link) {
      // Pins the link: a retried approval request that issued new links makes this one worthless.
      names['#links'] = 'approverLinks';
      names['#hash'] = link.capabilityHash;
      values[':approver'] = link.approver;
      parts.push(conditions.linkStillOnRecord());
    }
    return this.updateIf(requestId, 'SET #status = :claimed, #outcome = :outcome, decidedAt = :now, updatedAt = :now', all(...parts), names, values);
  }

  /**
   * One conditional UpdateItem: `SET approvals.#who = :approval` only if `attribute_not_exists(approvals.#who)`
   * and the request can still be decided. An UpdateItem is atomic and works on the item's latest version
   * whatever else writes it, and
   * `ReturnValues: ALL_NEW` returns the item as this write left it, so of concurrent approvals each sees
   * the count its own write made and exactly one sees the quorum reached.
   * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/BestPractices_ImplementingVersionControl.html
   * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
   * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ExpressionAttributeNames.html
   * @see https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
   */
  async recordApproval(requestId: string, approval: QuorumApproval, link?: DecisionClaim['link']): Promise<QuorumApprovals | undefined> {
    const names: Names = { '#status': 'status', '#approvals': 'approvals', '#who': approval.approver };
    const values: Values = { ':pending': PENDING, ':approval': approval, ':now': approval.decidedAt, ':role': approval.role };
    // `quorumRole` is set by the first approval: every later one must approve the same role, checked in the same write.
    const parts = [
      '#status = :pending',
      conditions.approvalWindowOpen(),
      conditions.taskTokenHeld(),
      'attribute_not_exists(#approvals.#who)',
      '(attribute_not_exists(quorumRole) OR quorumRole = :role)',
    ];
    if (link) {
      names['#links'] = 'approverLinks';
      names['#hash'] = link.capabilityHash;
      values[':approver'] = link.approver;
      parts.push(conditions.linkStillOnRecord());
    }
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { requestId },
          UpdateExpression: 'SET #approvals.#who = :approval, quorumRole = if_not_exists(quorumRole, :role), updatedAt = :now',
          ConditionExpression: all(...parts),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return (result.Attributes?.approvals as QuorumApprovals | undefined) ?? {};
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async settleDecision(requestId: string, claim: DecisionClaim, delivery: DecisionDelivery, now: Date): Promise<void> {
    const names: Names = {};
    const values: Values = { ':decidedAt': claim.decidedAt, ':now': now.toISOString() };
    let update: string;
    let condition: string;
    if (delivery === 'delivered') {
      // The workflow may already have moved on (GRANTED, DENIED); only the token is dropped.
      update = 'SET updatedAt = :now REMOVE taskToken';
      condition = conditions.claimStillOnRecord();
    } else {
      const [write, next]: [LifecycleWrite, RequestStatus] = delivery === 'gone' ? ['expireDecision', 'APPROVAL_EXPIRED'] : ['releaseDecision', PENDING];
      if (!mayMove(write, claim.outcome.status, next)) throw new RangeError(`A ${claim.outcome.status} claim cannot move to ${next}.`);
      names['#status'] = 'status';
      names['#outcome'] = claim.outcome.status === 'APPROVED' ? 'decision' : 'denial';
      values[':claimed'] = claim.outcome.status;
      values[':next'] = next;
      condition = conditions.claimStillHeld();
      update =
        delivery === 'gone'
          ? 'SET #status = :next, updatedAt = :now REMOVE taskToken, #outcome, decidedAt'
          : 'SET #status = :next, updatedAt = :now REMOVE #outcome, decidedAt';
    }
    // Refused when the workflow already recorded a later state; it wins.
    await this.updateIf(requestId, update, condition, names, values);
  }

  async recordChatPrompts(requestId: string, posted: readonly PostedPrompt[], now: Date): Promise<void> {
    await this.updateIf(
      requestId,
      'SET chatPrompts = list_append(if_not_exists(chatPrompts, :none), :posted), updatedAt = :now',
      conditions.requestExists(),
      {},
      { ':none': [], ':posted': posted.map((p) => ({ channel: p.channel, ts: p.ts })), ':now': now.toISOString() },
    );
  }

  async listPending(): Promise<PendingSummary[]> {
    const pending: PendingSummary[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: STATUS_INDEX,
        KeyConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': PENDING },
        ScanIndexForward: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        pending.push(requestView(item as RequestRecord) as PendingSummary);
      }
    }
    return pending;
  }

  async listClaimedDecisions(since: Date): Promise<string[]> {
    const ids: { requestId: string; requestedAt: string }[] = [];
    // One query per status on the status index, bounded by its sort key: DENIED is a final status and
    // piles up, so only the recent ones are read. The index projects no task token; the caller reads each.
    for (const status of ['APPROVED', 'DENIED'] satisfies RequestStatus[]) {
      const pages = paginateQuery(
        { client: this.client },
        {
          TableName: this.tableName,
          IndexName: STATUS_INDEX,
          KeyConditionExpression: '#status = :status AND #requestedAt >= :since',
          ExpressionAttributeNames: { '#status': 'status', '#requestedAt': 'requestedAt' },
          ExpressionAttributeValues: { ':status': status, ':since': since.toISOString() },
          ProjectionExpression: 'requestId, requestedAt',
        },
      );
      for await (const page of pages) {
        for (const item of page.Items ?? []) ids.push({ requestId: String(item.requestId), requestedAt: String(item.requestedAt) });
      }
    }
    return ids.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt)).map((i) => i.requestId);
  }

  async recordIssuedCredentials(requestId: string, issued: IssuedCredentialsRecord, now: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { requestId },
        UpdateExpression: 'SET issuedCredentials = list_append(if_not_exists(issuedCredentials, :none), :issued), updatedAt = :now',
        ConditionExpression: conditions.requestExists(),
        ExpressionAttributeValues: { ':none': [], ':issued': [issued], ':now': now.toISOString() },
      }),
    );
  }

  async issuedCredentialsOf(requestId: string): Promise<IssuedCredentialsRecord[]> {
    // Only this attribute: the mint may read back what it recorded, nothing else of the request.
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { requestId }, ConsistentRead: true, ProjectionExpression: 'issuedCredentials' }),
    );
    return (result.Item?.issuedCredentials as IssuedCredentialsRecord[] | undefined) ?? [];
  }

  async expiryFacts(requestId: string): Promise<ExpiryFacts | undefined> {
    // Top-level attributes only; the grant summary holds no secret material, and no task token or link hash is read.
    const names = Object.fromEntries(EXPIRY_FACT_ATTRIBUTES.map((name, i) => [`#e${i}`, name]));
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { requestId }, ConsistentRead: true, ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names }),
    );
    return result.Item as ExpiryFacts | undefined;
  }

  async recordExtension(requestId: string, grant: GrantSummary, previousGrantId: string, now: Date): Promise<boolean> {
    return this.updateIf(
      requestId,
      'SET #grant = :grant, updatedAt = :now',
      '#status = :granted AND #grant.grantId = :previous AND attribute_not_exists(revokedAt)',
      { '#status': 'status', '#grant': 'grant' },
      { ':granted': 'GRANTED', ':previous': previousGrantId, ':grant': grant, ':now': now.toISOString() },
    );
  }

  async attachReport(requestId: string, report: ReportLocation, now: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { requestId },
        UpdateExpression: 'SET #report = :report, updatedAt = :now',
        ConditionExpression: conditions.requestExists(),
        ExpressionAttributeNames: { '#report': 'report' },
        ExpressionAttributeValues: { ':report': report, ':now': now.toISOString() },
      }),
    );
  }

  async acknowledgePostReview(requestId: string, ack: PostReviewAck, now: Date): Promise<boolean> {
    // Written once: a second acknowledgement finds the attribute and changes nothing.
    return this.updateIf(
      requestId,
      'SET #ack = :ack, updatedAt = :now',
      all(conditions.requestExists(), 'attribute_not_exists(#ack)'),
      { '#ack': 'postReviewAck' },
      { ':ack': ack, ':now': now.toISOString() },
    );
  }

  /** A conditional UpdateItem; false when the condition did not hold (nothing was written). */
  private async updateIf(
    requestId: string,
    update: string,
    condition: string,
    names: Names,
    values: Values,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { requestId },
          UpdateExpression: update,
          ConditionExpression: condition,
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
