import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { auditReportSchema } from '../../handlers/core/audit-report';
import { sha256Hex } from '../../handlers/core/report-digest';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import type { TrailEventSpec } from '../fakes/fake-cloudtrail';
import { PROD, newFakeAws, pendingTaskToken, requestEvent, runElevation, type RunOptions } from '../helpers/elevation-harness';

const REQUEST_ID = 'req-audit-0001';
const sfn = new SFNClient({ region: 'eu-west-1' });
const approval = () => JSON.stringify({ role: 'Ops', minutes: 5, approver: 'security-lead@example.com', decidedAt: new Date().toISOString() });
const detail = { requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 5, reason: 'Restart the stuck payment worker', plannedActions: ['ecs:UpdateService'] };

describe('Workflow: the audit loop (synthesized, run locally in virtual time)', () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = newFakeAws();
  });
  afterEach(() => aws.restore());

  async function approveAndRun(options: RunOptions = {}) {
    const run = runElevation(aws, requestEvent(detail), options);
    const token = await pendingTaskToken(aws, REQUEST_ID);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: approval() }));
    return run;
  }

  /** Records a call made now with the n-th minted key. */
  const call = (spec: Omit<TrailEventSpec, 'time'>, key = 0) => aws.trail.record(aws.minted[key].accessKeyId, { ...spec, time: aws.clock.now() });
  /** A moment during the grant, `seconds` after it was minted. */
  const duringGrant = (seconds: number) => new Date(Date.parse((aws.table.items.get(REQUEST_ID)?.grant as { grantedAt: string }).grantedAt) + seconds * 1000);
  const audited = () => aws.events.find((e) => e.detailType === 'Elevation Audited')?.detail ?? {};
  const storedReport = () => auditReportSchema.parse(JSON.parse(aws.s3.latest(String(audited().reportUri))?.body ?? '{}'));

  it('waits for CloudTrail in the state machine, polls a minute apart until it settles, then publishes the report', async () => {
    // Prepare
    const collectedAt: string[] = [];
    const options: RunOptions = {
      beforeTask: (state) => {
        if (state === STATE.notifyGranted) call({ id: 'e-1', name: 'UpdateService', source: 'ecs.amazonaws.com', readOnly: false, resources: [{ name: 'payments' }] });
        if (state === STATE.collectTrail) collectedAt.push(aws.clock.now().toISOString());
      },
    };

    // Act
    const result = await approveAndRun(options);

    // Assess
    expect(result.finalState).toBe(STATE.audited);
    const audit = result.path.slice(result.path.indexOf(STATE.planAudit));
    expect(audit).toEqual([
      STATE.planAudit,
      STATE.waitForTrail,
      STATE.collectTrail,
      STATE.isAuditDone,
      STATE.waitForLateEvents,
      STATE.collectTrail,
      STATE.isAuditDone,
      STATE.waitForLateEvents,
      STATE.collectTrail,
      STATE.isAuditDone,
      STATE.notifyAudited,
      STATE.audited,
    ]);
    // A 5-minute grant's STS session lasts 15 minutes; the first poll comes 10 minutes (the delay) after that.
    // (The grant itself starts at its secret write, a moment after the session: the delay counts from the session's end.)
    const grant = aws.table.items.get(REQUEST_ID)?.grant as { stsExpiresAt: string };
    expect(Date.parse(collectedAt[0]) - Date.parse(grant.stsExpiresAt)).toBeGreaterThanOrEqual(10 * 60_000);
    expect(Date.parse(collectedAt[1]) - Date.parse(collectedAt[0])).toBeGreaterThanOrEqual(60_000);

    const event = audited();
    const stored = aws.s3.latest(String(event.reportUri));
    expect(event).toMatchObject({
      requestId: REQUEST_ID,
      reportUri: expect.stringMatching(new RegExp(`^s3://.+/reports/${PROD}/\\d{4}/\\d{2}/${REQUEST_ID}\\.json$`)),
      markdownUri: expect.stringMatching(/\.md$/),
      reportVersionIds: { json: stored?.versionId, markdown: aws.s3.latest(String(event.markdownUri))?.versionId },
      reportSha256: sha256Hex(stored?.body ?? ''),
      complete: true,
      eventCount: 1,
      summary: { mutating: 1, accessDenied: 0, unplannedMutating: 0 },
    });
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({ status: 'AUDITED', report: { sha256: event.reportSha256 } });
  });

  it('includes an event CloudTrail delivers while the audit is polling', async () => {
    let polls = 0;
    await approveAndRun({
      beforeTask: (state) => {
        if (state === STATE.collectTrail && ++polls === 2) {
          // Made during the grant, delivered only now.
          aws.trail.record(aws.minted[0].accessKeyId, { id: 'late', name: 'UpdateService', source: 'ecs.amazonaws.com', readOnly: false, time: duringGrant(60) });
        }
      },
    });

    expect(polls).toBe(4);
    expect(storedReport().actions.map((a) => a.eventId)).toEqual(['late']);
    expect(audited()).toMatchObject({ complete: true, eventCount: 1 });
  });

  it('publishes an incomplete report when CloudTrail has not settled by the maximum lag', async () => {
    let polls = 0;
    const result = await approveAndRun({
      beforeTask: (state) => {
        if (state === STATE.collectTrail) {
          polls += 1;
          aws.trail.record(aws.minted[0].accessKeyId, { id: `drip-${polls}`, name: 'DescribeServices', source: 'ecs.amazonaws.com', readOnly: true, time: duringGrant(polls) });
        }
      },
    });

    expect(result.finalState).toBe(STATE.audited);
    // First poll at the delay (10 min), then one a minute up to the maximum lag (30 min).
    expect(polls).toBe(21);
    expect(audited()).toMatchObject({ complete: false, completeness: expect.stringContaining('maximum lag of 30 min') });
    expect(storedReport().collection.complete).toBe(false);
  });

  it('reports a revoked grant: when, by whom, and the calls after it', async () => {
    await approveAndRun({
      beforeTask: (state) => {
        if (state === STATE.notifyGranted) call({ id: 'before', name: 'UpdateService', source: 'ecs.amazonaws.com', readOnly: false });
        if (state === STATE.reset) {
          // What the revoke command records (issue 6), a minute before expiry; one more call comes after it.
          const revokedAt = new Date(aws.clock.now().getTime() - 60_000).toISOString();
          const item = aws.table.items.get(REQUEST_ID) ?? {};
          aws.table.items.set(REQUEST_ID, { ...item, revokedAt, revokedBy: 'security-lead@example.com', revokeReason: 'Done early' });
          aws.trail.record(aws.minted[0].accessKeyId, { id: 'after', name: 'DeleteService', source: 'ecs.amazonaws.com', readOnly: false, errorCode: 'AccessDenied', time: new Date(aws.clock.now().getTime() - 30_000) });
        }
      },
    });

    const report = storedReport();
    expect(report).toMatchObject({ outcome: 'revoked', revocation: { revokedBy: 'security-lead@example.com', reason: 'Done early' }, summary: { afterRevoke: 1, accessDenied: 1 } });
    expect(report.actions.find((a) => a.eventId === 'after')?.flags).toEqual(expect.arrayContaining(['after-revoke', 'access-denied']));
    expect(audited()).toMatchObject({ summary: { afterRevoke: 1 } });
  });

  it('audits the credentials a failed mint issued, and the request stays failed', async () => {
    // The grant's PutSecretValue lands, then the call fails for good (not a fault worth retrying): the
    // mint fails with its key in the secret, and the clean-up resets it.
    const run = runElevation(aws, requestEvent(detail), {
      beforeTask: (state) => {
        // The agent got hold of the first attempt's key while it sat in the secret.
        if (state === STATE.notifyMintFailed) call({ id: 'with-failed-key', name: 'UpdateService', source: 'ecs.amazonaws.com', readOnly: false });
      },
    });
    const token = await pendingTaskToken(aws, REQUEST_ID);
    aws.secrets.failAfterWrite = (input) =>
      input.SecretString?.includes('AccessKeyId')
        ? Object.assign(new Error('The request was rejected'), { name: 'InvalidRequestException', $metadata: { httpStatusCode: 400 } })
        : undefined;
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: approval() }));
    const result = await run;

    expect(result).toMatchObject({ status: 'FAILED', error: 'MintFailed', finalState: STATE.mintFailed });
    expect(result.path).toContain(STATE.notifyMintAudited);
    expect(aws.detailTypes()).toEqual(['Elevation Pending Approval', 'Elevation Failed', 'Elevation Audited']);
    expect(aws.secret(PROD)).toEqual({ status: 'inactive' });
    const report = storedReport();
    expect(report.outcome).toBe('mint-failed');
    expect(report.credentials.map((c) => c.accessKeyId).sort()).toEqual(aws.minted.map((m) => m.accessKeyId).sort());
    expect(report.credentials.every((c) => !c.delivered)).toBe(true);
    expect(report.actions.map((a) => a.eventId)).toEqual(['with-failed-key']);
    expect(audited()).toMatchObject({ stage: 'mint', reportUri: expect.any(String) });
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({ status: 'FAILED', report: { eventCount: 1 } });
  });
});
