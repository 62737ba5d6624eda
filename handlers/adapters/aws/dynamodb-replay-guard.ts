import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ReplayGuard } from '../../ports/replay-guard';

/** Partition key and TTL attribute of the seen-requests table (`infra/constructs/slack-interactions.ts`). */
export const REPLAY_KEY = 'key';
export const REPLAY_TTL_ATTRIBUTE = 'expiresAt';

/**
 * Seen keys in a DynamoDB table, one item each, written with a conditional put so two concurrent
 * deliveries of the same request cannot both be first. TTL removes old items, but only eventually
 * (typically within a few days), so an item past its time counts as unseen and is overwritten.
 *
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 */
export class DynamoDbReplayGuard implements ReplayGuard {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date,
  ) {}

  async firstSighting(key: string, forgetAfter: Date): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [REPLAY_KEY]: key, [REPLAY_TTL_ATTRIBUTE]: Math.ceil(forgetAfter.getTime() / 1000) },
          ConditionExpression: 'attribute_not_exists(#key) OR #ttl < :now',
          ExpressionAttributeNames: { '#key': REPLAY_KEY, '#ttl': REPLAY_TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':now': Math.floor(this.now().getTime() / 1000) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
