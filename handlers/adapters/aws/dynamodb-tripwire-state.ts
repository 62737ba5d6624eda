import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { REQUEST_KEY, TTL_ATTRIBUTE } from '../../core/request-table-schema';
import type { TripwireState } from '../../ports/tripwire-state';

/** Items of the request table that hold a tripwire's memory start with this, then the request id. */
export const TRIPWIRE_KEY_PREFIX = 'TRIPWIRE#';

/** The attribute holding the refusals seen, a string set of `eventTime|eventId`. */
export const TRIPWIRE_DENIED_ATTRIBUTE = 'denied';

/**
 * A tripwire's memory in the request table, one item per grant (`TRIPWIRE#<requestId>`). A refusal is
 * added to a string set with `ADD`: adding an element a set already holds changes nothing, so a redelivered
 * event (EventBridge delivers at least once) counts once, and two concurrent deliveries cannot lose one
 * another's entry (each update is atomic on the item). The item carries the table's TTL attribute, so
 * DynamoDB removes it some time after the grant's credentials expired; until then the window arithmetic
 * ignores old entries anyway.
 *
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html#Expressions.UpdateExpressions.ADD
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
 */
export class DynamoDbTripwireState implements TripwireState {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordDenied(requestId: string, entry: string, forgetAfter: Date): Promise<readonly string[]> {
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [REQUEST_KEY]: `${TRIPWIRE_KEY_PREFIX}${requestId}` },
        UpdateExpression: 'ADD #denied :entry SET #ttl = if_not_exists(#ttl, :ttl)',
        ExpressionAttributeNames: { '#denied': TRIPWIRE_DENIED_ATTRIBUTE, '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':entry': new Set([entry]), ':ttl': Math.ceil(forgetAfter.getTime() / 1000) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const denied = result.Attributes?.[TRIPWIRE_DENIED_ATTRIBUTE] as Set<string> | undefined;
    return [...(denied ?? new Set<string>())];
  }
}
