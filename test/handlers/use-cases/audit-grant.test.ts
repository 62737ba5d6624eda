import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudTrailTrail } from '../../../handlers/adapters/aws/cloudtrail-trail';
import { S3ReportStore } from '../../../handlers/adapters/aws/s3-report-store';
import type { AuditState } from '../../../handlers/core/audit-polling';
import { auditReportSchema } from '../../../handlers/core/audit-report';
import type { GrantSummary } from '../../../handlers/core/grant';
import { sha256Hex } from '../../../handlers/core/report-digest';
import { auditGrant, type AuditGrantDeps } from '../../../handlers/use-cases/audit-grant';
import type { TrailEvent } from '../../../handlers/core/trail-event';
import type { DataEventLog, DataEventQuery } from '../../../handlers/ports/data-event-log';
import { planRequestAudit } from '../../../handlers/use-cases/plan-audit';
import { FakeCloudTrail, type TrailEventSpec } from '../../fakes/fake-cloudtrail';
import { InMemoryRequestStore } from '../../fakes/ports/in-memory-request-store';
import { FakeS3 } from '../../fakes/fake-s3';
import { FakeTime } from '../../helpers/fake-time';
import { exampleSettings } from '../../helpers/synth';
import { decision } from '../../helpers/audit-fixtures';
import { AUDIT_REQUEST, elevationRequest, requestRecord } from '../../helpers/fixtures';

const BUCKET = 'jit-audit-reports';
const GRANTED_AT = '2026-11-28T10:00:00Z';
const EXPIRES_AT = '2026-11-28T10:30:00Z';
const KEY = 'ASIAGRANTKEY00000001';

const grant = (overrides: Partial<GrantSummary> = {}): GrantSummary => ({
  grantId: 'req-audit-0001-0123456789abcdef01234567',
  requestId: 'req-audit-0001',
  accountId: '222222222222',
  role: 'Ops',
  roleArn: 'arn:aws:iam::222222222222:role/AgentElevated-Ops',
  accessKeyId: KEY,
  sourceIdentity: 'jit-req-audit-0001',
  grantedAt: GRANTED_AT,
  expiresAt: EXPIRES_AT,
  stsExpiresAt: EXPIRES_AT,
  resetScheduleName: 'jit-reset-req-audit-0001',
  ...overrides,
});

describe('Audit of a grant (plan, poll until settled, write the report)', () => {
  const cloudTrailMock = mockClient(CloudTrailClient);
  let time: FakeTime;
  let trail: FakeCloudTrail;
  let s3: FakeS3;
  let store: InMemoryRequestStore;
  const settings = exampleSettings();

  beforeEach(() => {
    time = new FakeTime(Date.parse('2026-11-28T10:30:01Z'));
    trail = new FakeCloudTrail(time.date);
    cloudTrailMock.reset();
    cloudTrailMock.on(LookupEventsCommand).callsFake(async (input, getClient) => trail.lookup(await getClient().config.region(), input));
    s3 = new FakeS3({ retentionDays: 365, now: time.date });
    store = new InMemoryRequestStore();
    store.seed(requestRecord({ ...AUDIT_REQUEST, status: 'ENDED', updatedAt: GRANTED_AT }));
  });
  afterEach(() => {
    s3.restore();
  });
  afterAll(() => cloudTrailMock.restore());

  const deps = (extra: Partial<AuditGrantDeps> = {}) => ({
    trails: () => new CloudTrailTrail({ clientFor: (region: string) => new CloudTrailClient({ region, credentials: { accessKeyId: 'AKIDAUDIT', secretAccessKey: 's' } }), now: time.now, sleep: time.sleep, random: () => 0.5 }),
    reports: new S3ReportStore(new S3Client({ region: 'eu-west-1' }), BUCKET),
    settings,
    clock: { now: time.date },
    ...extra,
  });

  const record = (spec: Omit<TrailEventSpec, 'time'> & { minute: number }, deliveredAt?: Date, key = KEY) =>
    trail.record(key, { ...spec, time: new Date(Date.parse(GRANTED_AT) + spec.minute * 60_000) }, deliveredAt);

  /** Runs the audit loop as the state machine does: plan, then wait until nextPollAt and poll, until done. */
  async function runAudit(options: { grant?: GrantSummary; beforePoll?: (poll: number) => void; deps?: Partial<AuditGrantDeps> } = {}): Promise<{ state: AuditState; states: AuditState[] }> {
    const plannedGrant = 'grant' in options ? options.grant : grant();
    let state = await planRequestAudit({ requestId: 'req-audit-0001', ...(plannedGrant ? { grant: plannedGrant } : {}) }, { store, settings, clock: { now: time.date } });
    const states: AuditState[] = [state];
    for (let poll = 1; !state.done; poll++) {
      if (poll > 100) throw new Error('the audit never finished');
      await time.sleep(Math.max(0, Date.parse(state.nextPollAt) - time.now()));
      options.beforePoll?.(poll);
      state = await auditGrant({ request: elevationRequest(AUDIT_REQUEST), decision: decision(), audit: state }, deps(options.deps));
      states.push(state);
    }
    return { state, states };
  }

  const reportOf = (state: AuditState) => auditReportSchema.parse(JSON.parse(s3.latest(state.report?.jsonUri ?? '')?.body ?? '{}'));

  it('reads every configured region plus us-east-1 and merges them, de-duplicated by event id', async () => {
    // Prepare
    record({ id: 'ecs-1', name: 'UpdateService', source: 'ecs.amazonaws.com', region: 'eu-west-1', readOnly: false, minute: 2 });
    record({ id: 'iam-1', name: 'CreateRole', source: 'iam.amazonaws.com', region: 'us-east-1', readOnly: false, minute: 3 });
    // A global event both regions return.
    record({ id: 'sts-1', name: 'GetCallerIdentity', source: 'sts.amazonaws.com', region: 'us-east-1', readOnly: true, minute: 1 });
    record({ id: 'sts-1', name: 'GetCallerIdentity', source: 'sts.amazonaws.com', region: 'eu-west-1', readOnly: true, minute: 1 });

    // Act
    const { state } = await runAudit();

    // Assess
    const report = reportOf(state);
    expect(report.actions.map((a) => a.eventId)).toEqual(['sts-1', 'ecs-1', 'iam-1']);
    expect(report.collection.regions.map((r) => [r.region, r.events])).toEqual([
      ['eu-west-1', 2],
      ['us-east-1', 2],
    ]);
    expect(new Set(trail.requests.map((r) => r.region))).toEqual(new Set(['eu-west-1', 'us-east-1']));
    expect(report.collection.complete).toBe(true);
    expect(state.report).toMatchObject({ complete: true, eventCount: 3, summary: { mutating: 2, iamChanges: 1 } });
  });

  it('waits a delivery lag after expiry, then settles after two quiet polls a minute apart', async () => {
    // Prepare
    record({ id: 'ecs-1', name: 'UpdateService', source: 'ecs.amazonaws.com', readOnly: false, minute: 2 });

    // Act
    const { state, states } = await runAudit();

    // Assess
    const polledAt = states.slice(1).map((s) => s.lastPollAt);
    expect(polledAt).toEqual(['2026-11-28T10:40:00.000Z', '2026-11-28T10:41:00.000Z', '2026-11-28T10:42:00.000Z']);
    expect(reportOf(state).collection).toMatchObject({ complete: true, polls: 3, firstPollAt: '2026-11-28T10:40:00.000Z' });
  });

  it('picks up events that CloudTrail delivers while the audit polls', async () => {
    // Prepare
    record({ id: 'ecs-1', name: 'UpdateService', source: 'ecs.amazonaws.com', readOnly: false, minute: 2 });
    // A call at minute 29 that CloudTrail delivers only at 10:41:30, between the second and the third poll.
    record({ id: 'late-1', name: 'DeleteService', source: 'ecs.amazonaws.com', readOnly: false, minute: 29 }, new Date('2026-11-28T10:41:30Z'));

    // Act
    const { state, states } = await runAudit();

    // Assess
    expect(states.slice(1).map((s) => [s.eventCount, s.quietPolls])).toEqual([
      [1, 0],
      [1, 1],
      [2, 0],
      [2, 1],
      [2, 2],
    ]);
    expect(reportOf(state).actions.map((a) => a.eventId)).toEqual(['ecs-1', 'late-1']);
    expect(reportOf(state).collection.complete).toBe(true);
  });

  it('writes an incomplete report, and says why, when the trail has not settled by the maximum lag', async () => {
    // Act
    // Something new turns up before every poll.
    const { state } = await runAudit({
      beforePoll: (poll) =>
        record({ id: `drip-${poll}`, name: 'DescribeServices', source: 'ecs.amazonaws.com', readOnly: true, minute: poll % 30 }, new Date(time.now())),
    });

    // Assess
    const report = reportOf(state);
    expect(report.collection.complete).toBe(false);
    expect(report.collection.reason).toMatch(/maximum lag of 30 min after the credentials stopped working passed before the trail settled/);
    expect(report.collection.lastPollAt).toBe('2026-11-28T11:00:00.000Z');
    expect(state.report).toMatchObject({ complete: false, completeness: report.collection.reason });
    expect(s3.latest(state.report?.markdownUri ?? '')?.body).toContain('> **INCOMPLETE REPORT.**');
  });

  it('gives an empty session a complete report with no calls', async () => {
    // Act
    const { state } = await runAudit();

    // Assess
    const report = reportOf(state);
    expect(report).toMatchObject({ outcome: 'ended', actions: [], summary: { total: 0 }, collection: { complete: true, polls: 3 } });
  });

  it('says which region could not be read, and keeps what the others returned', async () => {
    // Prepare
    record({ id: 'ecs-1', name: 'UpdateService', source: 'ecs.amazonaws.com', readOnly: false, minute: 2 });
    cloudTrailMock.on(LookupEventsCommand).callsFake(async (input, getClient) => {
      const region = await getClient().config.region();
      if (region === 'us-east-1') throw Object.assign(new Error('User is not authorized to perform: cloudtrail:LookupEvents'), { name: 'AccessDeniedException' });
      return trail.lookup(region, input);
    });

    // Act
    const { state } = await runAudit();

    // Assess
    const report = reportOf(state);
    expect(report.collection.complete).toBe(false);
    expect(report.collection.regions.find((r) => r.region === 'us-east-1')).toMatchObject({ complete: false, error: expect.stringContaining('AccessDeniedException') });
    expect(report.actions.map((a) => a.eventId)).toEqual(['ecs-1']);
    expect(report.collection.reason).toMatch(/Not every region could be read/);
  });

  it('writes JSON and Markdown under the report key, with digests S3 checked on arrival', async () => {
    // Prepare
    record({ id: 'ecs-1', name: 'UpdateService', source: 'ecs.amazonaws.com', readOnly: false, minute: 2 });

    // Act
    const { state } = await runAudit();

    // Assess
    const location = state.report;
    expect(location?.jsonUri).toBe(`s3://${BUCKET}/reports/222222222222/2026/11/req-audit-0001.json`);
    expect(location?.markdownUri).toBe(`s3://${BUCKET}/reports/222222222222/2026/11/req-audit-0001.md`);
    const json = s3.latest(location?.jsonUri ?? '');
    const markdown = s3.latest(location?.markdownUri ?? '');
    expect(location).toMatchObject({ jsonVersionId: json?.versionId, markdownVersionId: markdown?.versionId });
    expect(location?.sha256).toBe(sha256Hex(json?.body ?? ''));
    expect(Buffer.from(json?.checksumSha256 ?? '', 'base64').toString('hex')).toBe(location?.sha256);
    expect(location?.markdownSha256).toBe(sha256Hex(markdown?.body ?? ''));
    expect(markdown?.body).toContain(location?.sha256);
    expect(json?.retainUntil).toBeDefined();
  });

  it('does not write the report again when a finished poll is retried', async () => {
    // Prepare
    const { state } = await runAudit();
    const writes = s3.mock.commandCalls(PutObjectCommand).length;

    // Act
    const again = await auditGrant({ request: elevationRequest(AUDIT_REQUEST), decision: decision(), audit: state }, deps());

    // Assess
    expect(again).toEqual(state);
    expect(s3.mock.commandCalls(PutObjectCommand)).toHaveLength(writes);
  });

  it('audits every key issued for the request, also those of mint attempts that failed', async () => {
    // Prepare
    const failedKey = 'ASIAFAILEDATTEMPT001';
    store.seed(
      requestRecord({
        ...AUDIT_REQUEST,
        status: 'ENDED',
        updatedAt: GRANTED_AT,
        issuedCredentials: [
          { accessKeyId: failedKey, grantId: 'req-audit-0001-aaaaaaaaaaaaaaaaaaaaaaaa', roleArn: grant().roleArn, sourceIdentity: grant().sourceIdentity, issuedAt: '2026-11-28T09:59:58Z', expiresAt: '2026-11-28T10:29:58Z', stsExpiresAt: '2026-11-28T10:29:58Z' },
          { accessKeyId: KEY, grantId: grant().grantId, roleArn: grant().roleArn, sourceIdentity: grant().sourceIdentity, issuedAt: GRANTED_AT, expiresAt: EXPIRES_AT, stsExpiresAt: EXPIRES_AT },
        ],
      }),
    );
    record({ id: 'from-failed', name: 'ListBuckets', source: 's3.amazonaws.com', readOnly: true, minute: 1 }, undefined, failedKey);
    record({ id: 'from-grant', name: 'UpdateService', source: 'ecs.amazonaws.com', readOnly: false, minute: 2 });

    // Act
    const { state } = await runAudit();

    // Assess
    const report = reportOf(state);
    expect(report.credentials.map((c) => [c.accessKeyId, c.delivered])).toEqual([
      [failedKey, false],
      [KEY, true],
    ]);
    expect(report.actions.map((a) => [a.eventId, a.accessKeyId])).toEqual([
      ['from-failed', failedKey],
      ['from-grant', KEY],
    ]);
  });

  it('reports a failed mint that had issued credentials, without a grant', async () => {
    // Prepare
    store.seed(
      requestRecord({
        ...AUDIT_REQUEST,
        status: 'FAILED',
        updatedAt: GRANTED_AT,
        issuedCredentials: [{ accessKeyId: KEY, grantId: grant().grantId, roleArn: grant().roleArn, sourceIdentity: grant().sourceIdentity, issuedAt: GRANTED_AT, expiresAt: EXPIRES_AT, stsExpiresAt: EXPIRES_AT }],
      }),
    );
    record({ id: 'used-anyway', name: 'UpdateService', source: 'ecs.amazonaws.com', readOnly: false, minute: 1 });

    // Act
    const { state } = await runAudit({ grant: undefined });

    // Assess
    expect(reportOf(state)).toMatchObject({ outcome: 'mint-failed', grant: null, summary: { total: 1, mutating: 1 } });
  });

  it('has nothing to audit after a failed mint that never issued credentials', async () => {
    // Act
    const state = await planRequestAudit({ requestId: 'req-audit-0001' }, { store, settings, clock: { now: time.date } });

    // Assess
    expect(state).toMatchObject({ done: true, credentials: [] });
  });

  it('refuses to guess which credentials existed when the request record is gone', async () => {
    // Prepare
    store = new InMemoryRequestStore();

    // Act / Assess
    await expect(planRequestAudit({ requestId: 'req-audit-0001' }, { store, settings, clock: { now: time.date } })).rejects.toMatchObject({
      name: 'AuditSubjectUnknownError',
    });
  });

  it('reports a revoked grant with who revoked it and what happened after', async () => {
    // Prepare
    store.seed(requestRecord({ ...AUDIT_REQUEST, status: 'REVOKED', updatedAt: GRANTED_AT, revokedAt: '2026-11-28T10:12:00Z', revokedBy: 'security-lead@example.com', revokeReason: 'Unplanned IAM calls' }));
    record({ id: 'before', name: 'UpdateService', source: 'ecs.amazonaws.com', readOnly: false, minute: 5 });
    record({ id: 'after', name: 'CreateUser', source: 'iam.amazonaws.com', region: 'us-east-1', readOnly: false, errorCode: 'AccessDenied', minute: 14 });

    // Act
    const { state } = await runAudit();

    // Assess
    const report = reportOf(state);
    expect(report).toMatchObject({
      outcome: 'revoked',
      revocation: { revokedAt: '2026-11-28T10:12:00Z', revokedBy: 'security-lead@example.com', reason: 'Unplanned IAM calls' },
      grant: { endedBy: 'revoke', endedAt: '2026-11-28T10:12:00Z' },
      summary: { afterRevoke: 1, accessDenied: 1 },
    });
    expect(state.report?.summary.afterRevoke).toBe(1);
  });

  it('keeps the state it hands back to the state machine small, however many calls there were', async () => {
    // Prepare
    for (let i = 0; i < 3000; i++) {
      record({ id: `bulk-${String(i).padStart(5, '0')}`, name: 'DescribeServices', source: 'ecs.amazonaws.com', readOnly: true, minute: (i % 1500) / 60 });
    }

    // Act
    const { states } = await runAudit();

    // Assess
    const largest = Math.max(...states.map((s) => Buffer.byteLength(JSON.stringify(s))));
    expect(largest).toBeLessThan(4096);
    expect(states[states.length - 1].eventCount).toBe(3000);
  });

  describe('with a trail of data events (accounts[].dataEventTrail)', () => {
    const withTrail = { ...settings, accounts: settings.accounts.map((a) => (a.id === '222222222222' ? { ...a, dataEventTrail: { bucket: 'org-trail-logs', region: 'eu-west-1' } } : a)) };
    /** The trail's log files as the port returns them: data events that become visible at a given time, a region that fails. */
    class StubDataEventLog implements DataEventLog {
      readonly queries: DataEventQuery[] = [];
      constructor(
        private readonly files: ReadonlyArray<{ visibleAt: number; event: TrailEvent }>,
        private readonly failing: Set<string> = new Set(),
      ) {}
      async readDataEvents(query: DataEventQuery) {
        this.queries.push(query);
        const source = `s3://org-trail-logs/AWSLogs/222222222222/CloudTrail/${query.region}/`;
        if (this.failing.has(query.region)) return { source, events: [], objects: 0, complete: false, error: 'AccessDenied: Access Denied' };
        const visible = this.files.filter((f) => f.visibleAt <= time.now() && f.event.awsRegion === query.region && query.accessKeyIds.includes(f.event.accessKeyId));
        return { source, events: visible.map((f) => f.event), objects: visible.length, complete: true };
      }
    }
    const dataEvent = (id: string, minute: number, name = 'GetObject', readOnly = true): TrailEvent => ({
      eventId: id,
      eventTime: new Date(Date.parse(GRANTED_AT) + minute * 60_000).toISOString().replace('.000Z', 'Z'),
      eventSource: 's3.amazonaws.com',
      eventName: name,
      awsRegion: 'eu-west-1',
      accessKeyId: KEY,
      category: 'data',
      readOnly,
      resources: [{ type: 'AWS::S3::Object', name: 'arn:aws:s3:::payments/invoices/1.pdf' }],
    });

    it('puts the data events in the timeline, classified and flagged, de-duplicated with management events, and says data was read', async () => {
      // Prepare: a management call, two data calls (one also returned as a management record with the same id).
      record({ id: 'ecs-1', name: 'UpdateService', source: 'ecs.amazonaws.com', region: 'eu-west-1', readOnly: false, minute: 2 });
      const log = new StubDataEventLog([
        { visibleAt: 0, event: dataEvent('s3-get', 3) },
        { visibleAt: 0, event: dataEvent('s3-put', 4, 'PutObject', false) },
        { visibleAt: 0, event: { ...dataEvent('ecs-1', 2), eventSource: 'ecs.amazonaws.com', eventName: 'UpdateService' } },
      ]);

      // Act
      const { state } = await runAudit({ deps: { settings: withTrail, dataEvents: () => log } });

      // Assess
      const report = reportOf(state);
      expect(report.actions.map((a) => [a.eventId, a.category, a.iamAction])).toEqual([
        ['ecs-1', 'management', 'ecs:UpdateService'],
        ['s3-get', 'data', 's3:GetObject'],
        ['s3-put', 'data', 's3:PutObject'],
      ]);
      expect(report.actions.find((a) => a.eventId === 's3-put')?.flags).toContain('mutating');
      expect(report.coverage?.read).toEqual(['management', 'data']);
      expect(report.coverage?.notCovered[0]).toMatch(/data event selectors cover/);
      expect(report.collection.dataEvents).toEqual([
        { region: 'eu-west-1', source: 's3://org-trail-logs/AWSLogs/222222222222/CloudTrail/eu-west-1/', objects: 3, events: 3, complete: true },
        { region: 'us-east-1', source: 's3://org-trail-logs/AWSLogs/222222222222/CloudTrail/us-east-1/', objects: 0, events: 0, complete: true },
      ]);
      expect(log.queries[0]).toMatchObject({ region: 'eu-west-1', accessKeyIds: [KEY], startTime: new Date(state.window?.start ?? 0) });
      expect(report.summary.mutating).toBe(2);
    });

    it('waits for a log file delivered late: the settle rule counts data events too', async () => {
      // Prepare: a data event whose file arrives after the first two polls.
      const firstPoll = Date.parse('2026-11-28T10:40:00Z');
      const log = new StubDataEventLog([{ visibleAt: firstPoll + 90_000, event: dataEvent('s3-late', 20) }]);

      // Act
      const { state, states } = await runAudit({ deps: { settings: withTrail, dataEvents: () => log } });

      // Assess: polls at 10:40, 10:41 (quiet), 10:42 (new: the late file), 10:43, 10:44 (settled).
      expect(states.slice(1).map((s) => s.lastPollAt)).toEqual([
        '2026-11-28T10:40:00.000Z',
        '2026-11-28T10:41:00.000Z',
        '2026-11-28T10:42:00.000Z',
        '2026-11-28T10:43:00.000Z',
        '2026-11-28T10:44:00.000Z',
      ]);
      expect(reportOf(state).actions.map((a) => a.eventId)).toEqual(['s3-late']);
      expect(reportOf(state).collection.complete).toBe(true);
    });

    it('is incomplete, and says why, when a folder of the trail cannot be read', async () => {
      // Prepare
      const log = new StubDataEventLog([], new Set(['us-east-1']));

      // Act
      const { state } = await runAudit({ deps: { settings: withTrail, dataEvents: () => log } });

      // Assess
      const report = reportOf(state);
      expect(report.collection.complete).toBe(false);
      expect(report.collection.reason).toMatch(/data-event trail/);
      expect(report.collection.dataEvents?.find((d) => d.region === 'us-east-1')).toMatchObject({ complete: false, error: 'AccessDenied: Access Denied' });
      expect(report.coverage?.read).toEqual(['management']);
      expect(report.coverage?.notCovered[0]).toMatch(/could not be read completely \(us-east-1: AccessDenied/);
    });

    it('reads no data events for an account without a trail of them, and says so', async () => {
      // Act
      const log = new StubDataEventLog([{ visibleAt: 0, event: dataEvent('s3-get', 3) }]);
      const { state } = await runAudit({ deps: { dataEvents: () => log } });

      // Assess
      const report = reportOf(state);
      expect(log.queries).toHaveLength(0);
      expect(report.collection.dataEvents).toBeUndefined();
      expect(report.coverage?.read).toEqual(['management']);
    });
  });
});
