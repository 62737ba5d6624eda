import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbTripwireState } from '../../../../handlers/adapters/aws/dynamodb-tripwire-state';

/**
 * The exact DynamoDB requests of the tripwire state. The redelivery guard is the condition (an update
 * whose condition is false fails with ConditionalCheckFailedException and changes nothing); the list
 * grows by `list_append`, created by `if_not_exists` on the first refusal; the TTL attribute is a Number
 * of epoch seconds, set once.
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
 */
const FORGET_AFTER = new Date('2026-11-29T10:20:00.400Z');
const ENTRY = '2026-11-28T10:00:00Z|ev-1';

describe('DynamoDbTripwireState', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  let state: DynamoDbTripwireState;
  beforeEach(() => {
    ddb.reset();
    state = new DynamoDbTripwireState(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), 'jit-requests');
  });
  afterAll(() => ddb.restore());

  it('appends a refusal with one conditional UpdateItem: absent from the list, TTL set once in epoch seconds', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({ Attributes: { requestId: 'TRIPWIRE#req-first-0001', denied: [ENTRY] } });

    // Act
    const seen = await state.recordDenied('req-first-0001', ENTRY, FORGET_AFTER);

    // Assess
    expect(seen).toEqual([ENTRY]);
    expect(ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input)).toEqual([
      {
        TableName: 'jit-requests',
        Key: { requestId: 'TRIPWIRE#req-first-0001' },
        UpdateExpression: 'SET #denied = list_append(if_not_exists(#denied, :none), :entries), #ttl = if_not_exists(#ttl, :ttl)',
        ConditionExpression: 'attribute_not_exists(#denied) OR NOT contains(#denied, :entry)',
        ExpressionAttributeNames: { '#denied': 'denied', '#ttl': 'expiresAtEpoch' },
        ExpressionAttributeValues: { ':none': [], ':entries': [ENTRY], ':entry': ENTRY, ':ttl': Math.ceil(FORGET_AFTER.getTime() / 1000) },
        ReturnValues: 'ALL_NEW',
      },
    ]);
    // Epoch seconds, rounded up: never earlier than asked.
    expect(Math.ceil(FORGET_AFTER.getTime() / 1000)).toBe(1_795_947_601);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('reads the list back with a consistent read when the condition says the refusal is already remembered', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    ddb.on(GetCommand).resolves({ Item: { requestId: 'TRIPWIRE#req-first-0001', denied: [ENTRY, '2026-11-28T10:00:05Z|ev-2'] } });

    // Act
    const seen = await state.recordDenied('req-first-0001', ENTRY, FORGET_AFTER);

    // Assess
    expect(seen).toEqual([ENTRY, '2026-11-28T10:00:05Z|ev-2']);
    expect(ddb.commandCalls(GetCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: 'jit-requests', Key: { requestId: 'TRIPWIRE#req-first-0001' }, ConsistentRead: true },
    ]);
  });

  it('lets any other failure through, so the event is retried rather than silently dropped', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));

    // Act / Assess
    await expect(state.recordDenied('req-first-0001', ENTRY, FORGET_AFTER)).rejects.toThrow('slow down');
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  });
});
