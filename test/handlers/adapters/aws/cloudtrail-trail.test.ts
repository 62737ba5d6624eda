import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudTrailTrail, toTrailEvent } from '../../../../handlers/adapters/aws/cloudtrail-trail';
import { RateLimiter } from '../../../../handlers/adapters/aws/rate-limiter';
import { FakeCloudTrail, cloudTrailEvent } from '../../../fakes/fake-cloudtrail';
import { FakeTime } from '../../../helpers/fake-time';

const KEY = 'ASIAEXAMPLEKEY000001';
const START = new Date('2026-11-28T09:55:00Z');
const END = new Date('2026-11-28T11:05:00Z');

describe('CloudTrailTrail', () => {
  const cloudTrail = mockClient(CloudTrailClient);
  let time: FakeTime;
  let trail: FakeCloudTrail;
  const clients = new Map<string, CloudTrailClient>();
  const clientFor = (region: string) => {
    if (!clients.has(region)) clients.set(region, new CloudTrailClient({ region, credentials: { accessKeyId: 'AKIDAUDIT', secretAccessKey: 'secret' } }));
    return clients.get(region) as CloudTrailClient;
  };

  beforeEach(() => {
    cloudTrail.reset();
    time = new FakeTime();
    trail = new FakeCloudTrail(time.date);
    cloudTrail.on(LookupEventsCommand).callsFake(async (input, getClient) => trail.lookup(await getClient().config.region(), input));
  });
  afterAll(() => cloudTrail.restore());

  const recordCalls = (count: number, region = 'eu-west-1', accessKeyId = KEY) => {
    for (let i = 0; i < count; i++) {
      trail.record(accessKeyId, { id: `${region}-${accessKeyId}-${i}`, name: 'DescribeServices', source: 'ecs.amazonaws.com', time: new Date(Date.parse('2026-11-28T10:00:00Z') + i * 1000), region, readOnly: true });
    }
  };
  const newTrail = (options: Partial<ConstructorParameters<typeof CloudTrailTrail>[0]> = {}) =>
    new CloudTrailTrail({ clientFor, now: time.now, sleep: time.sleep, random: () => 0.5, ...options });

  it('pages through every result with the exact LookupEvents parameters', async () => {
    // Prepare
    recordCalls(120);

    // Act
    const result = await newTrail().lookupByAccessKey({ region: 'eu-west-1', accessKeyId: KEY, startTime: START, endTime: END });

    // Assess
    expect(result).toMatchObject({ pages: 3, complete: true });
    expect(new Set(result.events.map((e) => e.eventId)).size).toBe(120);
    const calls = cloudTrail.commandCalls(LookupEventsCommand).map((c) => c.args[0].input);
    expect(calls[0]).toEqual({
      LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: KEY }],
      StartTime: START,
      EndTime: END,
      MaxResults: 50,
      NextToken: undefined,
    });
    expect(calls.map((c) => c.NextToken)).toEqual([undefined, expect.any(String), expect.any(String)]);
    expect(calls[2].NextToken).not.toBe(calls[1].NextToken);
  });

  it('backs off on ThrottlingException and retries until it gets through', async () => {
    recordCalls(10);
    trail.throttleNext(3);

    const result = await newTrail().lookupByAccessKey({ region: 'eu-west-1', accessKeyId: KEY, startTime: START, endTime: END });

    expect(result.events).toHaveLength(10);
    const at = trail.requests.map((r) => r.at - trail.requests[0].at);
    // Exponential: at least 0.5 s, 1 s, 2 s between attempts (jitter over the upper half of 1, 2, 4 s).
    expect(at).toEqual([0, 750, 2250, 5250]);
  });

  it('gives up after the last attempt and reports the throttling', async () => {
    trail.throttleNext(100);

    await expect(newTrail({ retry: { maxAttempts: 4 } }).lookupByAccessKey({ region: 'eu-west-1', accessKeyId: KEY, startTime: START, endTime: END })).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(trail.requests).toHaveLength(4);
  });

  it('does not retry an error that will not go away', async () => {
    cloudTrail.on(LookupEventsCommand).rejects(Object.assign(new Error('not authorized to perform cloudtrail:LookupEvents'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));

    await expect(newTrail().lookupByAccessKey({ region: 'eu-west-1', accessKeyId: KEY, startTime: START, endTime: END })).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(1);
  });

  it('retries transient faults (HTTP 5xx)', async () => {
    recordCalls(3);
    cloudTrail
      .on(LookupEventsCommand)
      .rejectsOnce(Object.assign(new Error('We encountered an internal error'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }))
      .callsFake(async (input, getClient) => trail.lookup(await getClient().config.region(), input));

    const result = await newTrail().lookupByAccessKey({ region: 'eu-west-1', accessKeyId: KEY, startTime: START, endTime: END });

    expect(result.events).toHaveLength(3);
  });

  it('never sends more than 2 requests a second per region, however many lookups share the region', async () => {
    // Three keys read concurrently in two regions, 4 pages each.
    const keys = ['ASIAKEY0000000000001', 'ASIAKEY0000000000002', 'ASIAKEY0000000000003'];
    for (const key of keys) for (const region of ['eu-west-1', 'us-east-1']) recordCalls(200, region, key);
    const reader = newTrail();

    const results = await Promise.all(
      keys.flatMap((key) => ['eu-west-1', 'us-east-1'].map((region) => reader.lookupByAccessKey({ region, accessKeyId: key, startTime: START, endTime: END }))),
    );

    expect(results.every((r) => r.events.length === 200 && r.pages === 4)).toBe(true);
    for (const region of ['eu-west-1', 'us-east-1']) {
      const at = trail.requests.filter((r) => r.region === region).map((r) => r.at);
      expect(at).toHaveLength(12);
      for (let i = 2; i < at.length; i++) expect(at[i] - at[i - 2]).toBeGreaterThanOrEqual(1000);
      // And no slower than the limit needs: 12 requests 510 ms apart (500 plus a 10 ms margin for arrival jitter).
      expect(at[at.length - 1] - at[0]).toBe(11 * 510);
    }
  });

  it('slows every reader of a region down after a throttle, not only the one refused', async () => {
    const limiter = new RateLimiter({ perSecond: 2, marginMs: 10, now: time.now, sleep: time.sleep });
    recordCalls(100, 'eu-west-1', 'ASIAKEY0000000000001');
    recordCalls(100, 'eu-west-1', 'ASIAKEY0000000000002');
    trail.throttleNext(1);
    const reader = newTrail({ limiterFor: () => limiter });

    await Promise.all(
      ['ASIAKEY0000000000001', 'ASIAKEY0000000000002'].map((key) => reader.lookupByAccessKey({ region: 'eu-west-1', accessKeyId: key, startTime: START, endTime: END })),
    );

    const at = trail.requests.map((r) => r.at - trail.requests[0].at);
    // The other reader's first request waits out the backoff (0.75 s) too; the throttled one retries after it.
    expect(at.slice(0, 3)).toEqual([0, 750, 1260]);
    for (let i = 2; i < at.length; i++) expect(at[i] - at[i - 2]).toBeGreaterThanOrEqual(1000);
  });

  it('stops reading at the time limit and says the lookup is incomplete', async () => {
    recordCalls(500);

    const result = await newTrail().lookupByAccessKey({ region: 'eu-west-1', accessKeyId: KEY, startTime: START, endTime: END, stopAt: time.now() + 2000 });

    expect(result).toMatchObject({ complete: false, pages: 5 });
    expect(result.events).toHaveLength(250);
  });
});

describe('toTrailEvent', () => {
  it('keeps what the audit needs from the CloudTrail record', () => {
    const event = cloudTrailEvent(KEY, {
      id: 'e-1',
      name: 'AuthorizeSecurityGroupIngress',
      source: 'ec2.amazonaws.com',
      time: new Date('2026-11-28T10:01:00Z'),
      region: 'eu-west-1',
      readOnly: false,
      errorCode: 'Client.UnauthorizedOperation',
      errorMessage: 'You are not authorized to perform this operation.',
      requestParameters: { groupId: 'sg-0123456789', ipPermissions: { items: [] }, dryRun: false },
    });

    expect(toTrailEvent(event, 'eu-west-1', KEY)).toEqual({
      eventId: 'e-1',
      eventTime: '2026-11-28T10:01:00.000Z',
      eventSource: 'ec2.amazonaws.com',
      eventName: 'AuthorizeSecurityGroupIngress',
      awsRegion: 'eu-west-1',
      accessKeyId: KEY,
      readOnly: false,
      errorCode: 'Client.UnauthorizedOperation',
      errorMessage: 'You are not authorized to perform this operation.',
      sourceIdentity: 'jit-test',
      sourceIpAddress: '203.0.113.7',
      userAgent: 'aws-cli/2.15.0',
      resources: [{ name: 'sg-0123456789' }],
    });
  });

  it('survives a record that is not JSON', () => {
    const event = { ...cloudTrailEvent(KEY, { id: 'e-2', name: 'ListBuckets', source: 's3.amazonaws.com', time: new Date(), readOnly: true }), CloudTrailEvent: '{not json' };

    expect(toTrailEvent(event, 'us-east-1', KEY)).toMatchObject({ eventId: 'e-2', awsRegion: 'us-east-1', readOnly: true });
  });
});
