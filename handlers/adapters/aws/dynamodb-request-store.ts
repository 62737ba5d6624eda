import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ElevationRequest } from '../../core/elevation-request';
import type { IssuedCredentialsRecord } from '../../core/issued-credentials';
import type { ReportLocation, RequestRecord, RequestStatus } from '../../core/request-record';
import type { PendingApproval, RequestStore, StatusUpdate } from '../../ports/request-store';

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
      expiresAtEpoch: Math.floor(now.getTime() / 1000) + this.retentionDays * 86_400,
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
          'SET #status = :pending, taskToken = :taskToken, capabilityHash = :capabilityHash, approvalDeadline = :deadline, updatedAt = :now',
        ConditionExpression: '#status IN (:registered, :pending)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pending': 'PENDING_APPROVAL',
          ':registered': 'REGISTERED',
          ':taskToken': pending.taskToken,
          ':capabilityHash': pending.capabilityHash,
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
    for (const [field, value] of Object.entries(update)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { requestId },
          // The token and capability are worthless once the request left PENDING_APPROVAL; drop them.
          UpdateExpression: `SET ${sets.join(', ')} REMOVE taskToken, capabilityHash`,
          ConditionExpression: 'attribute_exists(requestId) AND #status <> :status',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
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
}
