import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbTripwireState, TRIPWIRE_DENIED_ATTRIBUTE, TRIPWIRE_KEY_PREFIX } from '../../../handlers/adapters/aws/dynamodb-tripwire-state';
import { TTL_ATTRIBUTE } from '../../../handlers/core/request-table-schema';
import { type TripwireSettings, type WatchedCall, accessDeniedTrip, deniedEntryOf } from '../../../handlers/core/tripwire';
import type { TripwireState } from '../../../handlers/ports/tripwire-state';
import { FakeDynamoDb } from '../../fakes/fake-dynamodb';
import { InMemoryTripwireState } from '../../fakes/ports/in-memory-tripwire-state';

/**
 * The tripwire state's contract (`handlers/ports/tripwire-state.ts`), run against both implementations:
 * the DynamoDB adapter over the stateful SDK fake (which evaluates its condition and update expressions
 * with the sandbox's DynamoDB expression code), and the in-memory fake the use-case tests rely on.
 * EventBridge delivers at least once, so a redelivered refusal must count once; the window arithmetic
 * (`accessDeniedTrip`) reads back what the state returns; the memory carries a forget-after time (the
 * table's TTL attribute, in epoch seconds, set by the first refusal).
 */
interface Subject {
  readonly state: TripwireState;
  /** The forget-after time remembered for a grant, in epoch seconds, or undefined when nothing is kept. */
  readonly forgetAfterOf: (requestId: string) => number | undefined;
  readonly close: () => void;
}

const IMPLEMENTATIONS: ReadonlyArray<[string, () => Subject]> = [
  [
    'DynamoDbTripwireState over the DynamoDB SDK fake',
    () => {
      const table = new FakeDynamoDb();
      const state = new DynamoDbTripwireState(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), 'jit-requests');
      return {
        state,
        forgetAfterOf: (requestId) => table.items.get(`${TRIPWIRE_KEY_PREFIX}${requestId}`)?.[TTL_ATTRIBUTE] as number | undefined,
        close: () => table.restore(),
      };
    },
  ],
  [
    'InMemoryTripwireState',
    () => {
      const state = new InMemoryTripwireState();
      return {
        state,
        forgetAfterOf: (requestId) => {
          const at = state.forgetAfter.get(requestId);
          return at ? Math.ceil(at.getTime() / 1000) : undefined;
        },
        close: () => undefined,
      };
    },
  ],
];

const GRANT = 'req-first-0001';
const OTHER_GRANT = 'req-second-0002';
const FORGET_AFTER = new Date('2026-11-29T10:20:00.400Z');
const SETTINGS: TripwireSettings = { denyListedActions: [], accessDenied: { count: 3, withinSeconds: 60 }, unplannedCalls: false };

const refusal = (eventId: string, eventTime: string): WatchedCall => ({
  eventId,
  eventTime,
  accountId: '222222222222',
  iamAction: 's3:GetObject',
  errorCode: 'AccessDenied',
  sourceIdentity: `jit-${GRANT}`,
});

describe.each(IMPLEMENTATIONS)('TripwireState contract: %s', (_name, open) => {
  let subject: Subject;
  let state: TripwireState;
  beforeEach(() => {
    subject = open();
    state = subject.state;
  });
  afterEach(() => subject.close());

  it('remembers a first refusal and returns it', async () => {
    // Prepare
    const call = refusal('ev-1', '2026-11-28T10:00:00Z');

    // Act
    const seen = await state.recordDenied(GRANT, deniedEntryOf(call), FORGET_AFTER);

    // Assess
    expect(seen).toEqual(['2026-11-28T10:00:00Z|ev-1']);
  });

  it('counts a redelivered refusal once, so redeliveries alone never trip the burst rule', async () => {
    // Prepare
    const call = refusal('ev-1', '2026-11-28T10:00:00Z');
    await state.recordDenied(GRANT, deniedEntryOf(call), FORGET_AFTER);

    // Act: EventBridge delivers the same event twice more.
    await state.recordDenied(GRANT, deniedEntryOf(call), FORGET_AFTER);
    const seen = await state.recordDenied(GRANT, deniedEntryOf(call), FORGET_AFTER);

    // Assess
    expect(seen).toEqual(['2026-11-28T10:00:00Z|ev-1']);
    expect(accessDeniedTrip(call, SETTINGS, seen)).toBeUndefined();
  });

  it('returns every refusal of the grant in arrival order, the redelivered one in its first place', async () => {
    // Prepare
    const first = refusal('ev-1', '2026-11-28T10:00:00Z');
    const second = refusal('ev-2', '2026-11-28T10:00:20Z');
    await state.recordDenied(GRANT, deniedEntryOf(first), FORGET_AFTER);
    await state.recordDenied(GRANT, deniedEntryOf(second), FORGET_AFTER);

    // Act
    const seen = await state.recordDenied(GRANT, deniedEntryOf(first), FORGET_AFTER);

    // Assess
    expect(seen).toEqual(['2026-11-28T10:00:00Z|ev-1', '2026-11-28T10:00:20Z|ev-2']);
  });

  it('feeds the window arithmetic: 3 refusals in 60 s trip, one older than the window does not count', async () => {
    // Prepare: 10:00:00 falls out of the window (10:00:10, 10:01:10] of the third refusal.
    const calls = [
      refusal('ev-1', '2026-11-28T10:00:00Z'),
      refusal('ev-2', '2026-11-28T10:00:30Z'),
      refusal('ev-3', '2026-11-28T10:01:10Z'),
      refusal('ev-4', '2026-11-28T10:01:20Z'),
    ];
    const trips = [];

    // Act
    for (const call of calls) {
      const seen = await state.recordDenied(GRANT, deniedEntryOf(call), FORGET_AFTER);
      trips.push(accessDeniedTrip(call, SETTINGS, seen)?.reason);
    }

    // Assess
    expect(trips.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(trips[3]).toContain('3 refused calls within 60 s (limit 3)');
  });

  it('keeps a redelivery of the third refusal from tripping when only two fall in its window', async () => {
    // Prepare
    const calls = [refusal('ev-1', '2026-11-28T10:00:00Z'), refusal('ev-2', '2026-11-28T10:00:30Z')];
    for (const call of calls) await state.recordDenied(GRANT, deniedEntryOf(call), FORGET_AFTER);

    // Act: the second refusal, delivered again.
    const seen = await state.recordDenied(GRANT, deniedEntryOf(calls[1]!), FORGET_AFTER);

    // Assess
    expect(accessDeniedTrip(calls[1]!, SETTINGS, seen)).toBeUndefined();
  });

  it("keeps one grant's refusals apart from another grant's", async () => {
    // Prepare
    await state.recordDenied(GRANT, '2026-11-28T10:00:00Z|ev-1', FORGET_AFTER);

    // Act
    const other = await state.recordDenied(OTHER_GRANT, '2026-11-28T10:00:05Z|ev-9', FORGET_AFTER);

    // Assess
    expect(other).toEqual(['2026-11-28T10:00:05Z|ev-9']);
  });

  it('sets the forget-after time (the TTL attribute, epoch seconds rounded up) from the first refusal', async () => {
    // Prepare
    await state.recordDenied(GRANT, '2026-11-28T10:00:00Z|ev-1', FORGET_AFTER);

    // Act: a later refusal with a later forget-after does not move it.
    await state.recordDenied(GRANT, '2026-11-28T10:00:05Z|ev-2', new Date('2026-11-30T00:00:00Z'));

    // Assess
    expect(subject.forgetAfterOf(GRANT)).toBe(Math.ceil(FORGET_AFTER.getTime() / 1000));
    expect(subject.forgetAfterOf(OTHER_GRANT)).toBeUndefined();
  });
});

describe('DynamoDbTripwireState item', () => {
  it('is one item per grant under TRIPWIRE#<requestId>, the refusals in the denied list', async () => {
    // Prepare
    const table = new FakeDynamoDb();
    const state = new DynamoDbTripwireState(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), 'jit-requests');

    // Act
    await state.recordDenied(GRANT, '2026-11-28T10:00:00Z|ev-1', FORGET_AFTER);
    await state.recordDenied(GRANT, '2026-11-28T10:00:00Z|ev-1', FORGET_AFTER);
    table.restore();

    // Assess
    expect([...table.items.keys()]).toEqual([`${TRIPWIRE_KEY_PREFIX}${GRANT}`]);
    expect(table.items.get(`${TRIPWIRE_KEY_PREFIX}${GRANT}`)?.[TRIPWIRE_DENIED_ATTRIBUTE]).toEqual(['2026-11-28T10:00:00Z|ev-1']);
  });
});
