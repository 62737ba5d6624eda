import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { type Item, type Names, type Values, applyUpdate, evaluateCondition, project } from '../../sandbox/services/dynamodb-expressions';

const meta = { $metadata: {} };

/**
 * The expression languages are evaluated by the same code as the sandbox's DynamoDB
 * (sandbox/services/dynamodb-expressions.ts), so the fake and the sandbox agree on every expression the
 * request store writes; anything that code does not implement throws here too.
 */
export { applyUpdate, evaluateCondition };

/** DynamoDB through the document client, at the SDK boundary: one table, conditional writes honoured. */
export class FakeDynamoDb {
  readonly mock = mockClient(DynamoDBDocumentClient);
  readonly items = new Map<string, Item>();

  constructor(private readonly key = 'requestId') {
    this.mock.on(PutCommand).callsFake((input: { Item: Item; ConditionExpression?: string; ExpressionAttributeNames?: Names; ExpressionAttributeValues?: Values }) => {
      const id = String(input.Item[this.key]);
      this.check(input.ConditionExpression, this.items.get(id), input.ExpressionAttributeNames, input.ExpressionAttributeValues);
      this.items.set(id, structuredClone(input.Item));
      return {};
    });
    this.mock.on(GetCommand).callsFake((input: { Key: Item; ProjectionExpression?: string; ExpressionAttributeNames?: Names }) => {
      const item = this.items.get(String(input.Key[this.key]));
      // A projected read returns only the attributes it names, as DynamoDB does.
      return item ? { Item: structuredClone(project(item, input.ProjectionExpression, input.ExpressionAttributeNames ?? {})) } : {};
    });
    this.mock.on(QueryCommand).callsFake((input) => this.queryHandler(input));
    this.mock.on(UpdateCommand).callsFake(
      (input: { Key: Item; UpdateExpression: string; ConditionExpression?: string; ExpressionAttributeNames?: Names; ExpressionAttributeValues?: Values; ReturnValues?: string }) => {
        const id = String(input.Key[this.key]);
        const existing = this.items.get(id);
        this.check(input.ConditionExpression, existing, input.ExpressionAttributeNames, input.ExpressionAttributeValues);
        const updated = applyUpdate(existing ?? { ...input.Key }, input.UpdateExpression, input.ExpressionAttributeNames, input.ExpressionAttributeValues);
        this.items.set(id, updated);
        return input.ReturnValues === 'ALL_OLD' ? { Attributes: existing } : input.ReturnValues === 'ALL_NEW' ? { Attributes: updated } : {};
      },
    );
  }

  private queryHandler = (input: {
    KeyConditionExpression: string;
    ExpressionAttributeNames?: Names;
    ExpressionAttributeValues?: Values;
    ScanIndexForward?: boolean;
    FilterExpression?: string;
  }) => {
    // Index projections are not modelled: the store under test must pick what it returns.
    if (input.FilterExpression) throw new Error('fake dynamodb: FilterExpression is not supported');
    const matches = [...this.items.values()]
      .filter((item) => evaluateCondition(input.KeyConditionExpression, item, input.ExpressionAttributeNames, input.ExpressionAttributeValues))
      .sort((a, b) => String(a.requestedAt).localeCompare(String(b.requestedAt)));
    if (input.ScanIndexForward === false) matches.reverse();
    return { Items: matches.map((item) => structuredClone(item)), Count: matches.length };
  };

  restore(): void {
    this.mock.restore();
  }

  private check(expression: string | undefined, item: Item | undefined, names: Names, values: Values): void {
    if (expression && !evaluateCondition(expression, item, names, values)) {
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', ...meta });
    }
  }
}
