import { dayListings, grantDataEvents, isLogFileKey, parseLogFile, regionFolder } from '../../../handlers/core/data-event-trail';

/**
 * CloudTrail's S3 layout and record format, as AWS documents them.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 */
describe('data-event-trail', () => {
  it('places the files of an account and region under <prefix>/AWSLogs/<account>/CloudTrail/<region>/', () => {
    expect(regionFolder(undefined, '111122223333', 'us-east-2')).toBe('AWSLogs/111122223333/CloudTrail/us-east-2/');
    expect(regionFolder('org/main', '111122223333', 'us-east-2')).toBe('org/main/AWSLogs/111122223333/CloudTrail/us-east-2/');
  });

  it('recognizes the documented log file name, and nothing else', () => {
    expect(isLogFileKey('AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz')).toBe(true);
    expect(isLogFileKey('AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/notes.txt')).toBe(false);
  });

  it('lists every day from the window start to the end, starting after the first minute on the first day', () => {
    const days = dayListings(undefined, '111122223333', 'eu-west-1', new Date('2026-12-02T23:50:00Z'), new Date('2026-12-03T00:40:00Z'));
    expect(days).toEqual([
      { prefix: 'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/12/02/', startAfter: 'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/12/02/111122223333_CloudTrail_eu-west-1_20261202T2350Z' },
      { prefix: 'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/12/03/' },
    ]);
    // A file delivered in the window's first minute sorts after the StartAfter key; one delivered earlier before it.
    const [first] = days;
    expect(`${first.prefix}111122223333_CloudTrail_eu-west-1_20261202T2350Z_Mu0KsOhtH1ar15ZZ.json.gz` > first.startAfter!).toBe(true);
    expect(`${first.prefix}111122223333_CloudTrail_eu-west-1_20261202T2349Z_Mu0KsOhtH1ar15ZZ.json.gz` > first.startAfter!).toBe(false);
  });

  it('keeps the Data records of the given keys within the window, as data events', () => {
    const { records, unreadable } = parseLogFile(
      JSON.stringify({
        Records: [
          { eventID: 'a', eventTime: '2026-12-03T10:01:00Z', eventSource: 's3.amazonaws.com', eventName: 'GetObject', eventCategory: 'Data', userIdentity: { accessKeyId: 'K1' } },
          { eventID: 'b', eventTime: '2026-12-03T10:01:00Z', eventSource: 'ec2.amazonaws.com', eventName: 'DescribeInstances', eventCategory: 'Management', userIdentity: { accessKeyId: 'K1' } },
          { eventID: 'c', eventTime: '2026-12-03T10:01:00Z', eventSource: 's3.amazonaws.com', eventName: 'GetObject', eventCategory: 'Data', userIdentity: { accessKeyId: 'K2' } },
          { eventID: 'd', eventTime: '2026-12-03T12:00:00Z', eventSource: 's3.amazonaws.com', eventName: 'GetObject', eventCategory: 'Data', userIdentity: { accessKeyId: 'K1' } },
          { eventTime: 'no id' },
        ],
      }),
    );
    const kept = grantDataEvents(records, new Set(['K1']), new Date('2026-12-03T10:00:00Z'), new Date('2026-12-03T11:00:00Z'));
    expect(unreadable).toBe(1);
    expect(kept.map((e) => [e.eventId, e.category, e.accessKeyId])).toEqual([['a', 'data', 'K1']]);
  });

  it('refuses a file that is not a CloudTrail log file', () => {
    expect(() => parseLogFile('{"digestStartTime":"2026-12-03T10:00:00Z"}')).toThrow(/no Records array/);
  });
});
