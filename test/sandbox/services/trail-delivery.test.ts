import { gunzipSync } from 'node:zlib';
import { isLogFileKey } from '../../../handlers/core/data-event-trail';
import { TrailDelivery } from '../../../sandbox/services/trail-delivery';
import type { TrailRecord } from '../../../sandbox/services/trail-store';

/**
 * The sandbox's trail of data events writes log files as CloudTrail names and formats them.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
 */
const record = (fields: Partial<TrailRecord>): TrailRecord => ({
  eventVersion: '1.09',
  eventID: 'e-1',
  eventTime: '2026-12-03T10:04:59Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'GetObject',
  awsRegion: 'eu-west-1',
  sourceIPAddress: '127.0.0.1',
  userAgent: 'aws-cli',
  userIdentity: { accessKeyId: 'ASIAKEY' },
  requestParameters: null,
  responseElements: null,
  requestID: 'r-1',
  readOnly: true,
  resources: [{ ARN: 'arn:aws:s3:::payments/invoices/1.txt' }],
  eventType: 'AwsApiCall',
  managementEvent: false,
  recipientAccountId: '222222222222',
  eventCategory: 'Data',
  ...fields,
});

describe('TrailDelivery', () => {
  const written: Array<{ bucket: string; key: string; data: Buffer }> = [];
  const delivery = new TrailDelivery([{ accountId: '222222222222', bucket: 'trail-logs', prefix: 'trails' }], { deliver: (bucket, key, data) => written.push({ bucket, key, data }) }, () => new Date('2026-12-03T10:05:30Z'));
  beforeEach(() => {
    written.length = 0;
  });

  it('writes a data event as a gzip {"Records": [...]} file in CloudTrail\'s layout, named after the delivery minute', () => {
    // Act
    const delivered = delivery.deliver(record({}));

    // Assess
    expect(delivered).toBe(true);
    expect(written).toHaveLength(1);
    expect(written[0].bucket).toBe('trail-logs');
    expect(written[0].key).toMatch(/^trails\/AWSLogs\/222222222222\/CloudTrail\/eu-west-1\/2026\/12\/03\/222222222222_CloudTrail_eu-west-1_20261203T1005Z_[A-Za-z0-9]{16}\.json\.gz$/);
    expect(isLogFileKey(written[0].key)).toBe(true);
    expect(JSON.parse(gunzipSync(written[0].data).toString('utf8'))).toEqual({ Records: [record({})] });
  });

  it('writes no management events, nothing of accounts without a trail, and no data events on its own bucket', () => {
    // Act
    const results = [
      delivery.deliver(record({ eventCategory: 'Management', eventName: 'DescribeInstances', eventSource: 'ec2.amazonaws.com' })),
      delivery.deliver(record({ recipientAccountId: '333333333333' })),
      delivery.deliver(record({ resources: [{ type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::trail-logs/trails/AWSLogs/x.json.gz' }] })),
    ];

    // Assess
    expect(results).toEqual([false, false, false]);
    expect(written).toHaveLength(0);
  });
});
