import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbReplayGuard } from '../../../../handlers/adapters/aws/dynamodb-replay-guard';

describe('Class: DynamoDbReplayGuard', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  afterEach(() => ddb.reset());
  afterAll(() => ddb.restore());
  const now = new Date('2026-12-01T10:00:00Z');
  const guard = () => new DynamoDbReplayGuard(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), 'jit-slack-presses', () => now);

  it('writes the key once, conditionally, with its expiry as TTL seconds; an expired entry counts as unseen', async () => {
    ddb.on(PutCommand).resolves({});

    const first = await guard().firstSighting('slack:1796119200:v0=abc', new Date('2026-12-01T10:06:00Z'));

    expect(first).toBe(true);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'jit-slack-presses',
      Item: { key: 'slack:1796119200:v0=abc', expiresAt: 1796119560 },
      ConditionExpression: 'attribute_not_exists(#key) OR #ttl < :now',
      ExpressionAttributeNames: { '#key': 'key', '#ttl': 'expiresAt' },
      ExpressionAttributeValues: { ':now': 1796119200 },
    });
  });

  it('answers false for a key already seen, and passes other errors on', async () => {
    ddb.on(PutCommand).rejectsOnce(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} })).rejectsOnce(new Error('throttled'));

    await expect(guard().firstSighting('k', now)).resolves.toBe(false);
    await expect(guard().firstSighting('k', now)).rejects.toThrow('throttled');
  });
});
