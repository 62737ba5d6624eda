import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type GrantLease, leaseKey } from '../../core/grant-lease';
export { LEASE_ATTRIBUTES } from '../../core/grant-lease';
import { REQUEST_KEY, TTL_ATTRIBUTE } from '../../core/request-table-schema';
import type { GrantLeases, LeaseTake } from '../../ports/grant-leases';

/** A lease item outlives its grant by a day before DynamoDB's TTL removes it; a lease is free once expired anyway. */
const LEASE_RETENTION_SECONDS = 86_400;


/** The parts of the lease's conditional write, each named for what it checks, joined with OR. */
export const leaseConditions = {
  leaseIsNew: (): string => `attribute_not_exists(${REQUEST_KEY})`,
  /** Epoch milliseconds, so the comparison does not depend on how a timestamp is formatted. */
  leaseHasExpired: (): string => 'expiresAtMs <= :nowMs',
  leaseIsMine: (): string => 'holder = :holder',
};

/**
 * Leases as items of the request table, keyed `LEASE#<agentId>#<accountId>`. They have no `status`, so the
 * status index (`jit pending`) never lists them.
 *
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
 */
export class DynamoDbGrantLeases implements GrantLeases {
  constructor(private readonly options: { readonly client: DynamoDBDocumentClient; readonly tableName: string }) {}

  async get(agentId: string, accountId: string): Promise<GrantLease | undefined> {
    const result = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: { [REQUEST_KEY]: leaseKey(agentId, accountId) }, ConsistentRead: true }),
    );
    const item = result.Item as Partial<GrantLease> | undefined;
    if (!item?.holder || !item.expiresAt) return undefined;
    return { agentId, accountId, holder: item.holder, expiresAt: item.expiresAt };
  }

  async take(lease: GrantLease, now: Date): Promise<LeaseTake> {
    const expiresAtMs = Date.parse(lease.expiresAt);
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { [REQUEST_KEY]: leaseKey(lease.agentId, lease.accountId) },
          UpdateExpression:
            'SET holder = :holder, agentId = :agentId, accountId = :accountId, expiresAt = :expiresAt, expiresAtMs = :expiresAtMs, updatedAt = :now, #ttl = :ttl',
          ConditionExpression: [leaseConditions.leaseIsNew(), leaseConditions.leaseHasExpired(), leaseConditions.leaseIsMine()].join(' OR '),
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':holder': lease.holder,
            ':agentId': lease.agentId,
            ':accountId': lease.accountId,
            ':expiresAt': lease.expiresAt,
            ':expiresAtMs': expiresAtMs,
            ':nowMs': now.getTime(),
            ':now': now.toISOString(),
            ':ttl': Math.floor(expiresAtMs / 1000) + LEASE_RETENTION_SECONDS,
          },
        }),
      );
      return { taken: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const holder = await this.get(lease.agentId, lease.accountId);
    // Released between the write and the read: the caller may try again, as after any refusal.
    return { taken: false, holder: holder ?? { ...lease, holder: 'unknown', expiresAt: now.toISOString() } };
  }

  async release(agentId: string, accountId: string, holder: string, now: Date): Promise<void> {
    try {
      await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { [REQUEST_KEY]: leaseKey(agentId, accountId) },
          UpdateExpression: 'SET expiresAt = :now, expiresAtMs = :nowMs, updatedAt = :now',
          ConditionExpression: leaseConditions.leaseIsMine(),
          ExpressionAttributeValues: { ':holder': holder, ':now': now.toISOString(), ':nowMs': now.getTime() },
        }),
      );
    } catch (error) {
      // Another request holds it now (or it never existed): it is not ours to free.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
