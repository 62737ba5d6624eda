import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbReplayGuard, REPLAY_KEY } from '../../../handlers/adapters/aws/dynamodb-replay-guard';
import type { ReplayGuard } from '../../../handlers/ports/replay-guard';
import { evaluateCondition } from '../../fakes/fake-dynamodb';
import { InMemoryReplayGuard } from '../../fakes/ports/in-memory-replay-guard';

type Item = Record<string, unknown>;

/**
 * The replay guard's contract (`handlers/ports/replay-guard.ts`), run against both implementations: the
 * DynamoDB adapter over a table that evaluates its condition expressions as DynamoDB does (an item past
 * its TTL stays readable until DynamoDB deletes it, so the adapter's condition must treat it as unseen),
 * and the in-memory fake the route tests rely on.
 */
interface Subject {
  readonly guard: ReplayGuard;
  /** Moves the guard's clock. */
  readonly setNow: (now: Date) => void;
  readonly close: () => void;
}

const START = new Date('2026-12-01T10:00:00Z');

const IMPLEMENTATIONS: ReadonlyArray<[string, () => Subject]> = [
  [
    'DynamoDbReplayGuard over a conditional-write table',
    () => {
      let now = START;
      const items = new Map<string, Item>();
      const ddb = mockClient(DynamoDBDocumentClient);
      ddb.on(PutCommand).callsFake((input: { Item: Item; ConditionExpression?: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Item }) => {
        const key = String(input.Item[REPLAY_KEY]);
        if (input.ConditionExpression && !evaluateCondition(input.ConditionExpression, items.get(key), input.ExpressionAttributeNames, input.ExpressionAttributeValues)) {
          throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
        }
        items.set(key, input.Item);
        return {};
      });
      const guard = new DynamoDbReplayGuard(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), 'jit-slack-presses', () => now);
      return { guard, setNow: (next) => void (now = next), close: () => ddb.restore() };
    },
  ],
  [
    'InMemoryReplayGuard',
    () => {
      let now = START;
      return { guard: new InMemoryReplayGuard(() => now), setNow: (next) => void (now = next), close: () => undefined };
    },
  ],
];

const minutesAfter = (minutes: number) => new Date(START.getTime() + minutes * 60_000);

describe.each(IMPLEMENTATIONS)('ReplayGuard contract: %s', (_name, open) => {
  let subject: Subject;
  beforeEach(() => {
    subject = open();
  });
  afterEach(() => subject.close());

  it('sees a key first once, and refuses every repeat while it is remembered', async () => {
    // Act
    const first = await subject.guard.firstSighting('slack:1:v0=a', minutesAfter(6));
    subject.setNow(minutesAfter(5));
    const repeat = await subject.guard.firstSighting('slack:1:v0=a', minutesAfter(11));
    const other = await subject.guard.firstSighting('slack:1:v0=b', minutesAfter(11));

    // Assess
    expect([first, repeat, other]).toEqual([true, false, true]);
  });

  it('counts a key as unseen once the time it was remembered for has passed', async () => {
    // Prepare
    await subject.guard.firstSighting('slack:1:v0=a', minutesAfter(6));

    // Act
    subject.setNow(minutesAfter(7));
    const later = await subject.guard.firstSighting('slack:1:v0=a', minutesAfter(13));
    const again = await subject.guard.firstSighting('slack:1:v0=a', minutesAfter(13));

    // Assess
    expect([later, again]).toEqual([true, false]);
  });

  it('lets exactly one of two concurrent sightings of the same key be first', async () => {
    // Act
    const outcomes = await Promise.all([subject.guard.firstSighting('slack:1:v0=a', minutesAfter(6)), subject.guard.firstSighting('slack:1:v0=a', minutesAfter(6))]);

    // Assess
    expect(outcomes.sort()).toEqual([false, true]);
  });
});
