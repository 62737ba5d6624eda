import { gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3DataEventLog } from '../../../../handlers/adapters/aws/s3-data-event-log';

/**
 * The S3 reader of a trail's log files, at the SDK boundary: which listings and objects it asks for, and
 * what it keeps of them.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
 */
const ACCOUNT = '222222222222';
const BUCKET = 'org-trail-logs';
const KEY = 'ASIAGRANTKEY0000001';
const DAY1 = `trails/AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/2026/12/02/`;
const DAY2 = `trails/AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/2026/12/03/`;

function record(fields: Record<string, unknown>) {
  return {
    eventVersion: '1.11',
    eventID: 'e-1',
    eventTime: '2026-12-02T23:58:10Z',
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    awsRegion: 'eu-west-1',
    eventCategory: 'Data',
    managementEvent: false,
    readOnly: true,
    userIdentity: { type: 'AssumedRole', accessKeyId: KEY, sessionContext: { sourceIdentity: 'jit-req-12345678' } },
    resources: [{ type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::payments/invoices/1.pdf' }, { accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::payments' }],
    sourceIPAddress: '203.0.113.7',
    userAgent: 'aws-cli/2.15.0',
    ...fields,
  };
}

const file = (records: unknown[]) => ({ Body: { transformToByteArray: async () => new Uint8Array(gzipSync(JSON.stringify({ Records: records }))) } });

describe('S3DataEventLog', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());
  afterAll(() => s3.restore());

  it('lists each day of the window from its first delivery minute, every page, reads each log file and keeps the grant\'s data events', async () => {
    // Prepare: two days; the first day's listing has two pages; a digest-like key and a management record to skip.
    const f1 = `${DAY1}${ACCOUNT}_CloudTrail_eu-west-1_20261202T2359Z_abcdefghijklmnop.json.gz`;
    const f2 = `${DAY1}${ACCOUNT}_CloudTrail_eu-west-1_20261203T0000Z_bcdefghijklmnopq.json.gz`;
    const f3 = `${DAY2}${ACCOUNT}_CloudTrail_eu-west-1_20261203T0005Z_cdefghijklmnopqr.json.gz`;
    s3.on(ListObjectsV2Command, { Bucket: BUCKET, Prefix: DAY1, StartAfter: `${DAY1}${ACCOUNT}_CloudTrail_eu-west-1_20261202T2355Z` }).resolves({ Contents: [{ Key: f1 }, { Key: `${DAY1}README.txt` }], IsTruncated: true, NextContinuationToken: 'page-2' });
    s3.on(ListObjectsV2Command, { Bucket: BUCKET, Prefix: DAY1, ContinuationToken: 'page-2' }).resolves({ Contents: [{ Key: f2 }], IsTruncated: false });
    s3.on(ListObjectsV2Command, { Bucket: BUCKET, Prefix: DAY2 }).resolves({ Contents: [{ Key: f3 }], IsTruncated: false });
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: f1 }).resolves(file([record({}), record({ eventID: 'm-1', eventCategory: 'Management', eventName: 'ListBuckets' })]) as never);
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: f2 }).resolves(file([record({ eventID: 'other', userIdentity: { accessKeyId: 'ASIASOMEBODYELSE000' } })]) as never);
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: f3 }).resolves(file([record({ eventID: 'e-2', eventTime: '2026-12-03T00:01:00Z', eventName: 'PutObject', readOnly: false, errorCode: 'AccessDenied', errorMessage: 'Access Denied' })]) as never);
    const log = new S3DataEventLog({ client: new S3Client({ region: 'eu-west-1' }), accountId: ACCOUNT, trail: { bucket: BUCKET, prefix: 'trails', region: 'eu-west-1' } });

    // Act
    const read = await log.readDataEvents({ region: 'eu-west-1', accessKeyIds: [KEY], startTime: new Date('2026-12-02T23:55:30Z'), endTime: new Date('2026-12-03T00:30:00Z') });

    // Assess: the exact requests, in order.
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([
      { Bucket: BUCKET, Prefix: DAY1, StartAfter: `${DAY1}${ACCOUNT}_CloudTrail_eu-west-1_20261202T2355Z` },
      { Bucket: BUCKET, Prefix: DAY1, ContinuationToken: 'page-2' },
      { Bucket: BUCKET, Prefix: DAY2 },
    ]);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: f1 },
      { Bucket: BUCKET, Key: f2 },
      { Bucket: BUCKET, Key: f3 },
    ]);
    expect(read).toEqual({
      source: `s3://${BUCKET}/trails/AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/`,
      objects: 3,
      complete: true,
      events: [
        {
          eventId: 'e-1',
          eventTime: '2026-12-02T23:58:10Z',
          eventSource: 's3.amazonaws.com',
          eventName: 'GetObject',
          awsRegion: 'eu-west-1',
          accessKeyId: KEY,
          category: 'data',
          readOnly: true,
          sourceIdentity: 'jit-req-12345678',
          sourceIpAddress: '203.0.113.7',
          userAgent: 'aws-cli/2.15.0',
          resources: [{ type: 'AWS::S3::Object', name: 'arn:aws:s3:::payments/invoices/1.pdf' }, { type: 'AWS::S3::Bucket', name: 'arn:aws:s3:::payments' }],
        },
        expect.objectContaining({ eventId: 'e-2', eventName: 'PutObject', readOnly: false, errorCode: 'AccessDenied', category: 'data' }),
      ],
    });
  });

  it('says which folder it could not read, and keeps what it had', async () => {
    // Prepare: the listing is refused (no permission on that prefix).
    s3.on(ListObjectsV2Command).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const log = new S3DataEventLog({ client: new S3Client({ region: 'eu-west-1' }), accountId: ACCOUNT, trail: { bucket: BUCKET, region: 'eu-west-1' } });

    // Act
    const read = await log.readDataEvents({ region: 'eu-west-1', accessKeyIds: [KEY], startTime: new Date('2026-12-03T10:00:00Z'), endTime: new Date('2026-12-03T10:30:00Z') });

    // Assess
    expect(s3.commandCalls(ListObjectsV2Command)[0].args[0].input).toEqual({
      Bucket: BUCKET,
      Prefix: `AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/2026/12/03/`,
      StartAfter: `AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/2026/12/03/${ACCOUNT}_CloudTrail_eu-west-1_20261203T1000Z`,
    });
    expect(read).toEqual({ source: `s3://${BUCKET}/AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/`, events: [], objects: 0, complete: false, error: 'AccessDenied: Access Denied' });
  });

  it('stops reading at stopAt, and says the read is incomplete', async () => {
    // Prepare
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: `AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/2026/12/03/${ACCOUNT}_CloudTrail_eu-west-1_20261203T1005Z_abcdefghijklmnop.json.gz` }] });
    const log = new S3DataEventLog({ client: new S3Client({ region: 'eu-west-1' }), accountId: ACCOUNT, trail: { bucket: BUCKET, region: 'eu-west-1' }, now: () => 1_000 });

    // Act
    const read = await log.readDataEvents({ region: 'eu-west-1', accessKeyIds: [KEY], startTime: new Date('2026-12-03T10:00:00Z'), endTime: new Date('2026-12-03T10:30:00Z'), stopAt: 500 });

    // Assess
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(read).toMatchObject({ complete: false, objects: 0, error: expect.stringMatching(/stopped after 0 log files/) });
  });
});
