import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ElevationRequest } from '../../core/elevation-request';
import type { IssuedCredentialsRecord } from '../../core/issued-credentials';
import { type ReportLocation, type RequestRecord, type RequestStatus, STATUS_ENTERED_FROM } from '../../core/request-record';
import { STATUS_INDEX, TTL_ATTRIBUTE } from '../../core/request-table-schema';
import type {
  DecisionClaim,
  DecisionDelivery,
  PendingApproval,
  PendingSummary,
  RequestStore,
  StatusUpdate,
} from '../../ports/request-store';

const PENDING: RequestStatus = 'PENDING_APPROVAL';

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

  async create(request: ElevationRequest, now: Date): Promise<'created' | 'exists'> {
    const item = {
      ...request,
      status: 'REGISTERED' satisfies RequestStatus,
      updatedAt: now.toISOString(),
      [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + this.retentionDays * 86_400,
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(requestId)',
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

  async awaitDecision(requestId: string, pending: PendingApproval, now: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { requestId },
        UpdateExpression:
          'SET #status = :pending, taskToken = :taskToken, approverLinks = :links, approvalDeadline = :deadline, updatedAt = :now',
        ConditionExpression: '#status IN (:registered, :pending)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pending': 'PENDING_APPROVAL',
          ':registered': 'REGISTERED',
          ':taskToken': pending.taskToken,
          ':links': pending.approverLinks,
          ':deadline': pending.approvalDeadline,
          ':now': now.toISOString(),
        },
      }),
    );
  }

  async setStatus(requestId: string, status: RequestStatus, update: StatusUpdate, now: Date): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':status': status, ':now': now.toISOString() };
    const sets = ['#status = :status', 'updatedAt = :now'];
    const conditions = ['attribute_exists(requestId)', '#status <> :status'];
    const from = STATUS_ENTERED_FROM[status];
    if (from) {
      from.forEach((previous, i) => (values[`:from${i}`] = previous));
      conditions.push(`#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`);
    }
    for (const [field, value] of Object.entries(update)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    // The token is worthless once the request left PENDING_APPROVAL; drop it. The link hashes stay, so a
    // used link can still show who decided.
    return this.updateIf(requestId, `SET ${sets.join(', ')} REMOVE taskToken`, conditions.join(' AND '), names, values);
  }

  async claimDecision(requestId: string, claim: DecisionClaim): Promise<boolean> {
    const { outcome, link, decidedAt } = claim;
    const names: Record<string, string> = { '#status': 'status', '#outcome': outcome.status === 'APPROVED' ? 'decision' : 'denial' };
    const values: Record<string, unknown> = {
      ':pending': PENDING,
      ':claimed': outcome.status,
      ':outcome': outcome.status === 'APPROVED' ? outcome.decision : outcome.denial,
      ':now': decidedAt,
    };
    const conditions = ['#status = :pending', 'approvalDeadline > :now', 'attribute_exists(taskToken)'];
    if (link) {
      // Pins the link: a retried approval request that issued new links makes this one worthless.
      names['#links'] = 'approverLinks';
      names['#hash'] = link.capabilityHash;
      values[':approver'] = link.approver;
      conditions.push('#links.#hash = :approver');
    }
    return this.updateIf(requestId, 'SET #status = :claimed, #outcome = :outcome, decidedAt = :now, updatedAt = :now', conditions.join(' AND '), names, values);
  }

  async settleDecision(requestId: string, claim: DecisionClaim, delivery: DecisionDelivery, now: Date): Promise<void> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':decidedAt': claim.decidedAt, ':now': now.toISOString() };
    let update: string;
    let condition = 'decidedAt = :decidedAt';
    if (delivery === 'delivered') {
      // The workflow may already have moved on (GRANTED, DENIED); only the token is dropped.
      update = 'SET updatedAt = :now REMOVE taskToken';
      delete names['#status'];
    } else {
      names['#outcome'] = claim.outcome.status === 'APPROVED' ? 'decision' : 'denial';
      values[':claimed'] = claim.outcome.status;
      condition = `#status = :claimed AND ${condition}`;
      if (delivery === 'gone') {
        values[':next'] = 'APPROVAL_EXPIRED' satisfies RequestStatus;
        update = 'SET #status = :next, updatedAt = :now REMOVE taskToken, #outcome, decidedAt';
      } else {
        values[':next'] = PENDING;
        update = 'SET #status = :next, updatedAt = :now REMOVE #outcome, decidedAt';
      }
    }
    // Refused when the workflow already recorded a later state; it wins.
    await this.updateIf(requestId, update, condition, names, values);
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
        const { taskToken: _token, approverLinks: _links, ...summary } = item as RequestRecord;
        pending.push(summary as PendingSummary);
      }
    }
    return pending;
  }

  async recordIssuedCredentials(requestId: string, issued: IssuedCredentialsRecord, now: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { requestId },
        UpdateExpression: 'SET issuedCredentials = list_append(if_not_exists(issuedCredentials, :none), :issued), updatedAt = :now',
        ConditionExpression: 'attribute_exists(requestId)',
        ExpressionAttributeValues: { ':none': [], ':issued': [issued], ':now': now.toISOString() },
      }),
    );
  }

  async attachReport(requestId: string, report: ReportLocation, now: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { requestId },
        UpdateExpression: 'SET #report = :report, updatedAt = :now',
        ConditionExpression: 'attribute_exists(requestId)',
        ExpressionAttributeNames: { '#report': 'report' },
        ExpressionAttributeValues: { ':report': report, ':now': now.toISOString() },
      }),
    );
  }

  /** A conditional UpdateItem; false when the condition did not hold (nothing was written). */
  private async updateIf(
    requestId: string,
    update: string,
    condition: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
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
