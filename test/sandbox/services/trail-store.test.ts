import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lookupEvents } from '../../../sandbox/models/cloudtrail';
import { type NewTrailRecord, TrailStore } from '../../../sandbox/services/trail-store';

const ACCOUNT = '222222222222';
const call = (eventSource: string, eventName: string): NewTrailRecord => ({
  eventTime: '2026-03-01T10:02:00Z',
  eventSource,
  eventName,
  awsRegion: 'eu-west-1',
  sourceIPAddress: '127.0.0.1',
  userAgent: 'test',
  userIdentity: { type: 'AssumedRole', accessKeyId: 'ASIAPLANNED000000001' },
  requestParameters: null,
  requestID: 'r-1',
  readOnly: false,
  recipientAccountId: ACCOUNT,
});

describe('TrailStore', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'jit-trail-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('records data-plane calls as data events, which LookupEvents does not return', () => {
    // Prepare
    const trail = new TrailStore(home);

    // Act
    trail.record(ACCOUNT, call('s3.amazonaws.com', 'PutObject'));
    trail.record(ACCOUNT, call('ecs.amazonaws.com', 'UpdateService'));

    // Assess: both are in the trail, each with its category, as a trail logging data events holds them.
    expect(trail.events(ACCOUNT).map((r) => [r.eventName, r.eventCategory, r.managementEvent])).toEqual([
      ['PutObject', 'Data', false],
      ['UpdateService', 'Management', true],
    ]);
    expect(lookupEvents(trail.events(ACCOUNT), {}).events.map((e) => e.EventName)).toEqual(['UpdateService']);
  });
});
