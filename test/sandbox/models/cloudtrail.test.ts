import { type LookupableRecord, isDataEvent, lookupEvents } from '../../../sandbox/models/cloudtrail';

const KEY = 'ASIAEXAMPLEKEY000001';

function record(i: number, overrides: Partial<LookupableRecord> = {}): LookupableRecord {
  return {
    eventID: `e-${i}`,
    eventTime: new Date(Date.parse('2026-11-28T10:00:00Z') + i * 1000).toISOString(),
    eventSource: 'ecs.amazonaws.com',
    eventName: 'DescribeServices',
    awsRegion: 'eu-west-1',
    readOnly: true,
    userIdentity: { type: 'AssumedRole', accessKeyId: KEY, arn: 'arn:aws:sts::111111111111:assumed-role/jit-ops/alice' },
    ...overrides,
  };
}

const records = (count: number) => Array.from({ length: count }, (_, i) => record(i));

// @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
describe('CloudTrail LookupEvents model', () => {
  it('refuses MaxResults above 50 with InvalidMaxResultsException rather than clamping it', () => {
    expect(() => lookupEvents(records(60), { maxResults: 51 })).toThrow(expect.objectContaining({ code: 'InvalidMaxResultsException', status: 400 }));
  });

  it('refuses MaxResults below 1', () => {
    expect(() => lookupEvents(records(1), { maxResults: 0 })).toThrow(expect.objectContaining({ code: 'InvalidMaxResultsException' }));
  });

  it('answers 50 a page by default, newest first, with a NextToken that continues where the page ended', () => {
    const first = lookupEvents(records(120), {});
    const second = lookupEvents(records(120), { nextToken: first.nextToken });
    const third = lookupEvents(records(120), { nextToken: second.nextToken });

    expect(first.events).toHaveLength(50);
    expect(first.events[0]).toMatchObject({ EventId: 'e-119', AccessKeyId: KEY, ReadOnly: 'true', Username: 'alice' });
    expect(second.events[0].EventId).toBe('e-69');
    expect(third.events).toHaveLength(20);
    expect(third.nextToken).toBeUndefined();
  });

  it('refuses more than one lookup attribute, and an attribute key CloudTrail does not know', () => {
    const two = [
      { AttributeKey: 'AccessKeyId', AttributeValue: KEY },
      { AttributeKey: 'EventName', AttributeValue: 'DescribeServices' },
    ];
    expect(() => lookupEvents(records(1), { lookupAttributes: two })).toThrow(expect.objectContaining({ code: 'InvalidLookupAttributesException' }));
    expect(() => lookupEvents(records(1), { lookupAttributes: [{ AttributeKey: 'Region', AttributeValue: 'x' }] })).toThrow(
      expect.objectContaining({ code: 'InvalidLookupAttributesException' }),
    );
  });

  it('keeps only the events of the attribute and inside StartTime..EndTime, both inclusive', () => {
    const all = [...records(5), record(5, { userIdentity: { accessKeyId: 'ASIAOTHERKEY00000001' } })];
    const page = lookupEvents(all, {
      lookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: KEY }],
      startTime: new Date(all[1].eventTime),
      endTime: new Date(all[3].eventTime),
    });

    expect(page.events.map((e) => e.EventId)).toEqual(['e-3', 'e-2', 'e-1']);
  });

  it('refuses a StartTime after the EndTime, and a NextToken it did not issue', () => {
    expect(() => lookupEvents(records(1), { startTime: new Date(2), endTime: new Date(1) })).toThrow(expect.objectContaining({ code: 'InvalidTimeRangeException' }));
    expect(() => lookupEvents(records(1), { nextToken: 'not-a-token' })).toThrow(expect.objectContaining({ code: 'InvalidNextTokenException' }));
  });

  it('returns management events only: data events (S3 objects, Lambda Invoke, ...) are never in the event history', () => {
    // @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html
    const page = lookupEvents(
      [record(1), record(2, { eventSource: 's3.amazonaws.com', eventName: 'GetObject', eventCategory: 'Data' }), record(3, { eventCategory: 'Management' })],
      { lookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: KEY }] },
    );
    expect(page.events.map((e) => e.EventId)).toEqual(['e-3', 'e-1']);
  });

  it('knows which calls CloudTrail records as data events', () => {
    expect(isDataEvent('s3.amazonaws.com', 'GetObject')).toBe(true);
    expect(isDataEvent('s3.amazonaws.com', 'ListBuckets')).toBe(false);
    expect(isDataEvent('lambda.amazonaws.com', 'Invoke')).toBe(true);
    expect(isDataEvent('dynamodb.amazonaws.com', 'PutItem')).toBe(true);
    expect(isDataEvent('ecs.amazonaws.com', 'UpdateService')).toBe(false);
  });
});
