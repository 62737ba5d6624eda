import { type DefaultBusRule, type PutEventsEntry, cloudTrailApiCallEvent, defaultBusTargets, entrySize, putEvents, targetsOf } from '../../../sandbox/models/eventbridge';

const BUS_ARN = 'arn:aws:events:eu-west-1:111111111111:event-bus/jit-broker';
const context = { account: '111111111111', region: 'eu-west-1', now: new Date('2026-11-28T10:00:00.123Z'), arnOfBus: (name: string) => (name === 'jit-broker' ? BUS_ARN : undefined) };
const entry = (overrides: Partial<PutEventsEntry> = {}): PutEventsEntry => ({
  Source: 'jit.agent',
  DetailType: 'Elevation Requested',
  Detail: JSON.stringify({ requestId: 'req-0001' }),
  EventBusName: 'jit-broker',
  ...overrides,
});

// @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
describe('EventBridge PutEvents model', () => {
  it('refuses a call of 0 or more than 10 entries with ValidationException, putting nothing', () => {
    expect(() => putEvents([], context)).toThrow(expect.objectContaining({ code: 'ValidationException' }));
    expect(() => putEvents(Array.from({ length: 11 }, () => entry()), context)).toThrow(expect.objectContaining({ code: 'ValidationException' }));
  });

  it('fails a malformed entry on its own and accepts the others, with the time to the second', () => {
    const put = putEvents([entry(), entry({ Detail: '[1]' }), entry({ Source: '' }), entry({ EventBusName: BUS_ARN })], context);

    expect(put.failedEntryCount).toBe(2);
    expect(put.results[1]).toEqual({ ErrorCode: 'InvalidArgument', ErrorMessage: 'Detail is malformed.' });
    expect(put.results[2]).toMatchObject({ ErrorCode: 'InvalidArgument' });
    expect(put.accepted.map((a) => a.bus)).toEqual(['jit-broker', 'jit-broker']);
    expect(put.accepted[0].event).toMatchObject({ version: '0', source: 'jit.agent', 'detail-type': 'Elevation Requested', time: '2026-11-28T10:00:00Z', resources: [], detail: { requestId: 'req-0001' } });
  });

  describe('entry size', () => {
    const LIMIT = 256 * 1024;
    /** An entry of exactly `bytes` by the documented calculation: Source (9) + DetailType (19) + Detail. */
    const sized = (bytes: number) => entry({ Detail: JSON.stringify({ pad: 'x'.repeat(bytes - 28 - '{"pad":""}'.length) }) });

    // @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
    it('counts Source, DetailType, Detail and each resource in UTF-8 bytes, and a Time as 14 bytes; not field names or the bus', () => {
      expect(entrySize(sized(1000))).toBe(1000);
      expect(entrySize(entry({ Source: 'é', DetailType: 'x', Detail: '{}', Resources: ['ab', 'c'], EventBusName: 'a-long-bus-name' }))).toBe(2 + 1 + 2 + 3);
      expect(entrySize({ ...sized(1000), Time: 1764324000 } as PutEventsEntry)).toBe(1014);
    });

    // @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
    it('accepts entries that total less than 256 KB, and refuses a call whose entries total 256 KB or more, putting nothing', () => {
      expect(putEvents([sized(LIMIT - 1)], context).failedEntryCount).toBe(0);
      expect(() => putEvents([sized(LIMIT)], context)).toThrow(expect.objectContaining({ code: 'ValidationException' }));
      expect(() => putEvents([sized(LIMIT / 2), sized(LIMIT / 2)], context)).toThrow(expect.objectContaining({ code: 'ValidationException', message: expect.stringContaining('Total size of the entries') }));
    });
  });

  it('refuses an entry for a bus that does not exist', () => {
    expect(() => putEvents([entry({ EventBusName: 'other' })], context)).toThrow(expect.objectContaining({ code: 'ResourceNotFoundException' }));
  });

  // @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
  it('sends an accepted event to the targets of the rules on its bus whose pattern matches', () => {
    const [accepted] = putEvents([entry()], context).accepted;
    const rules = [
      { name: 'agent', bus: 'jit-broker', pattern: { source: ['jit.agent'] }, targets: ['arn:sfn'] },
      { name: 'broker', bus: 'jit-broker', pattern: { source: ['jit.broker'] }, targets: ['arn:sqs'] },
      { name: 'elsewhere', bus: 'default', pattern: { source: ['jit.agent'] }, targets: ['arn:lambda'] },
    ];

    expect(targetsOf(rules, accepted)).toEqual(['arn:sfn']);
  });
});

describe('EventBridge default buses: CloudTrail events reach only the rules of their own account and region', () => {
  const forwarder = (account: string, region: string, state = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'): DefaultBusRule => ({
    name: `fwd-${account}-${region}`,
    bus: 'default',
    account,
    region,
    state,
    pattern: { 'detail-type': ['AWS API Call via CloudTrail'], detail: { userIdentity: { sessionContext: { sourceIdentity: [{ prefix: 'jit-' }] } } } },
    targets: [`broker-bus-via-${account}-${region}`],
  });
  const call = (account: string, region: string, readOnly = false, sourceIdentity = 'jit-req-1') =>
    cloudTrailApiCallEvent({
      eventID: 'e-1',
      eventTime: '2026-03-01T10:00:00Z',
      eventSource: 'ec2.amazonaws.com',
      awsRegion: region,
      recipientAccountId: account,
      readOnly,
      userIdentity: { sessionContext: { sourceIdentity } },
    } as Parameters<typeof cloudTrailApiCallEvent>[0]);
  const rules = [forwarder('222222222222', 'eu-west-1'), forwarder('222222222222', 'us-east-1'), forwarder('333333333333', 'eu-west-1', 'ENABLED')];

  it('sends a call through the rule of its account and region only', () => {
    expect(defaultBusTargets(rules, call('222222222222', 'us-east-1'))).toEqual(['broker-bus-via-222222222222-us-east-1']);
    expect(defaultBusTargets(rules, call('222222222222', 'eu-west-1'))).toEqual(['broker-bus-via-222222222222-eu-west-1']);
  });

  it('sends a call of a region or account without a rule nowhere', () => {
    expect(defaultBusTargets(rules, call('222222222222', 'eu-central-1'))).toEqual([]);
    expect(defaultBusTargets(rules, call('333333333333', 'us-east-1'))).toEqual([]);
  });

  it('matches a read-only call only in state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS', () => {
    expect(defaultBusTargets(rules, call('333333333333', 'eu-west-1', true))).toEqual([]);
    expect(defaultBusTargets(rules, call('333333333333', 'eu-west-1', false))).toEqual(['broker-bus-via-333333333333-eu-west-1']);
    expect(defaultBusTargets(rules, call('222222222222', 'eu-west-1', true))).toEqual(['broker-bus-via-222222222222-eu-west-1']);
  });

  it("does not send a call the rule's pattern does not match (no broker source identity)", () => {
    expect(defaultBusTargets(rules, call('222222222222', 'eu-west-1', false, 'someone-else'))).toEqual([]);
  });
});
