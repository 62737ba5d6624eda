import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type RequestLimits, pendingKey, rateKey } from '../../core/request-quota';
import { REQUEST_KEY, TTL_ATTRIBUTE } from '../../core/request-table-schema';
import type { QuotaClaim, QuotaTake, RequestQuotas } from '../../ports/request-quotas';

/** An hour's item outlives its hour by a day before DynamoDB's TTL removes it. */
const RATE_RETENTION_SECONDS = 86_400;

/**
 * A slot is free when the set is missing or smaller than the limit; a request already in it holds its slot.
 * DynamoDB removes a set attribute its last element is deleted from (sets are never empty), hence the first part.
 */
export const QUOTA_CONDITION = 'attribute_not_exists(holders) OR size(holders) < :max OR contains(holders, :id)';

/**
 * Quota items of the request table, keyed `PENDING#<agentId>` and `RATE#<agentId>#<yyyy-mm-ddThh>`, each a
 * string set of request ids. `ADD` of the request's id under the condition above is one atomic write: a
 * set union, so the same request taking its slot twice counts once; concurrent Registers are serialized
 * by DynamoDB, so no more than the limit succeed. They have no `status`, so the status index never lists them.
 *
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValueUpdate.html
 */
export class DynamoDbRequestQuotas implements RequestQuotas {
  constructor(private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  async take(claim: QuotaClaim, limits: RequestLimits, now: Date): Promise<QuotaTake> {
    if (!(await this.add(pendingKey(claim.agentId), claim.requestId, limits.pendingPerAgent, now))) return { taken: false, limit: 'pendingPerAgent' };
    const hourEnd = Date.parse(`${claim.hour}:00:00Z`) / 1000 + 3600;
    if (await this.add(rateKey(claim.agentId, claim.hour), claim.requestId, limits.requestsPerHourPerAgent, now, hourEnd + RATE_RETENTION_SECONDS)) return { taken: true };
    await this.releasePending(claim.agentId, claim.requestId, now);
    return { taken: false, limit: 'requestsPerHourPerAgent' };
  }

  async pendingHolders(agentId: string): Promise<string[]> {
    const result = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: { [REQUEST_KEY]: pendingKey(agentId) }, ConsistentRead: true }),
    );
    const holders: unknown = result.Item?.holders;
    // The document client unmarshalls a string set to a Set; told by its tag, whatever realm made it.
    if (Object.prototype.toString.call(holders) !== '[object Set]') return [];
    return [...(holders as Set<unknown>)].filter((id): id is string => typeof id === 'string').sort();
  }

  async releasePending(agentId: string, requestId: string, now: Date): Promise<void> {
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { [REQUEST_KEY]: pendingKey(agentId) },
        UpdateExpression: 'SET updatedAt = :now DELETE holders :ids',
        ExpressionAttributeValues: { ':ids': new Set([requestId]), ':now': now.toISOString() },
      }),
    );
  }

  private async add(key: string, requestId: string, max: number, now: Date, ttl?: number): Promise<boolean> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { [REQUEST_KEY]: key },
          UpdateExpression: ttl === undefined ? 'SET updatedAt = :now ADD holders :ids' : 'SET updatedAt = :now, #ttl = :ttl ADD holders :ids',
          ConditionExpression: QUOTA_CONDITION,
          ...(ttl === undefined ? {} : { ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE } }),
          ExpressionAttributeValues: { ':ids': new Set([requestId]), ':id': requestId, ':max': max, ':now': now.toISOString(), ...(ttl === undefined ? {} : { ':ttl': ttl }) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
