import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { REQUEST_KEY, TTL_ATTRIBUTE } from '../../core/request-table-schema';
import type { TripwireState } from '../../ports/tripwire-state';

/** Items of the request table that hold a tripwire's memory start with this, then the request id. */
export const TRIPWIRE_KEY_PREFIX = 'TRIPWIRE#';

/** The attribute holding the refusals seen, a list of `eventTime|eventId`. */
export const TRIPWIRE_DENIED_ATTRIBUTE = 'denied';

/**
 * A tripwire's memory in the request table, one item per grant (`TRIPWIRE#<requestId>`). A refusal is
 * appended with a conditional update that holds only while the list does not contain it yet, so a
 * redelivered event (EventBridge delivers at least once) counts once, and two concurrent deliveries cannot
 * lose one another's entry (each update is atomic on the item); a refused condition means "already
 * remembered", and the list is then read back with a consistent read. The item carries the table's TTL attribute, so
 * DynamoDB removes it some time after the grant's credentials expired; until then the window arithmetic
 * ignores old entries anyway.
 *
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
 */
export class DynamoDbTripwireState implements TripwireState {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordDenied(requestId: string, entry: string, forgetAfter: Date): Promise<readonly string[]> {
    const key = { [REQUEST_KEY]: `${TRIPWIRE_KEY_PREFIX}${requestId}` };
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #denied = list_append(if_not_exists(#denied, :none), :entries), #ttl = if_not_exists(#ttl, :ttl)',
          ConditionExpression: 'attribute_not_exists(#denied) OR NOT contains(#denied, :entry)',
          ExpressionAttributeNames: { '#denied': TRIPWIRE_DENIED_ATTRIBUTE, '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':none': [], ':entries': [entry], ':entry': entry, ':ttl': Math.ceil(forgetAfter.getTime() / 1000) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return (result.Attributes?.[TRIPWIRE_DENIED_ATTRIBUTE] as string[] | undefined) ?? [entry];
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const read = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      return (read.Item?.[TRIPWIRE_DENIED_ATTRIBUTE] as string[] | undefined) ?? [entry];
    }
  }
}
