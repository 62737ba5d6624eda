import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { secretNameFor } from '../../handlers/core/broker-settings';
import { APPROVAL_DENIED_ERROR } from '../../handlers/core/errors';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { PROD, newFakeAws, pendingTaskToken, requestEvent, runElevation } from '../helpers/elevation-harness';

const REQUEST_ID = 'req-approve-0001';
const detail = (overrides: Record<string, unknown> = {}) => ({
  requestId: REQUEST_ID,
  account: 'prod',
  role: 'Ops',
  minutes: 5,
  reason: 'Restart the stuck payment worker',
  plannedActions: ['ecs:UpdateService'],
  ...overrides,
});
const approval = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({ role: 'Ops', minutes: 5, approver: 'security-lead@example.com', decidedAt: new Date().toISOString(), ...overrides });
const sfn = new SFNClient({ region: 'eu-west-1' });

describe('Workflow: elevation state machine (synthesized, run locally with the real handlers)', () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = newFakeAws();
  });
  afterEach(() => aws.restore());

  it('grants, resets at expiry and audits an approved request', async () => {
    // Prepare
    const secretAt: Record<string, unknown> = {};
    const run = runElevation(aws, requestEvent(detail()), {
      beforeTask: (state) => {
        if (state === STATE.mint || state === STATE.reset || state === STATE.collectTrail) secretAt[state] ??= aws.secret(PROD);
        if (state === STATE.notifyGranted) {
          // The agent restarts the service while the grant is live.
          aws.trail.record(aws.minted[0].accessKeyId, {
            id: 'e-1',
            name: 'UpdateService',
            source: 'ecs.amazonaws.com',
            time: aws.clock.now(),
            readOnly: false,
            resources: [{ type: 'AWS::ECS::Service', name: 'payments' }],
          });
        }
      },
    });

    // Act
    const token = await pendingTaskToken(aws, REQUEST_ID);
    expect(aws.secret(PROD)).toEqual({ status: 'inactive' });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: approval() }));
    const result = await run;

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.finalState).toBe(STATE.audited);
    expect(secretAt[STATE.mint]).toEqual({ status: 'inactive' });
    const active = secretAt[STATE.reset] as Record<string, string | number>;
    // The seed's seven fields with the seed's meanings, then the broker's own additions.
    expect(Object.keys(active).sort()).toEqual(
      ['AccessKeyId', 'Expiration', 'GrantId', 'GrantedAt', 'GrantedFor', 'GrantedMinutes', 'RequestId', 'RoleName', 'SecretAccessKey', 'SessionToken'].sort(),
    );
    expect(active.GrantedFor).toBe(detail().reason);
    expect(active.GrantedMinutes).toBe(5);
    expect(active.AccessKeyId).toBe(aws.minted[0].accessKeyId);
    expect(active.RequestId).toBe(REQUEST_ID);
    expect(active.RoleName).toBe('AgentElevated-Ops');
    expect(Date.parse(String(active.Expiration)) - Date.parse(String(active.GrantedAt))).toBe(5 * 60_000);
    expect(secretAt[STATE.collectTrail]).toEqual({ status: 'inactive' });
    expect(aws.secret(PROD)).toEqual({ status: 'inactive' });

    expect(aws.detailTypes()).toEqual([
      'Elevation Pending Approval',
      'Elevation Granted',
      'Elevation Ended',
      'Elevation Audited',
    ]);
    expect(aws.events.every((e) => e.source === 'jit.broker')).toBe(true);
    const granted = aws.events[1].detail;
    expect(granted).toMatchObject({ requestId: REQUEST_ID, account: PROD, role: 'Ops', minutes: 5, expiresAt: active.Expiration });
    const audited = aws.events[3].detail;
    expect(audited.reportUri).toMatch(new RegExp(`^s3://.+/reports/${PROD}/\\d{4}/\\d{2}/${REQUEST_ID}\\.json$`));
    const report = JSON.parse(aws.s3.latest(String(audited.reportUri))?.body ?? '{}');
    expect(report.actions).toEqual([expect.objectContaining({ service: 'ecs', action: 'UpdateService', readOnly: false })]);

    expect(aws.emails).toHaveLength(1);
    expect(aws.schedules.get(`jit-reset-${REQUEST_ID}`)).toMatchObject({ ActionAfterCompletion: 'DELETE' });
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({ status: 'AUDITED' });
    expect(aws.table.items.get(REQUEST_ID)?.taskToken).toBeUndefined();
  });

  it('ends in Denied with an event and nothing minted when the approver denies', async () => {
    const run = runElevation(aws, requestEvent(detail()));
    const token = await pendingTaskToken(aws, REQUEST_ID);
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: token, error: APPROVAL_DENIED_ERROR, cause: 'Not during the freeze' }),
    );
    const result = await run;

    expect(result).toMatchObject({ status: 'FAILED', error: 'Denied', finalState: STATE.denied });
    expect(aws.detailTypes()).toEqual(['Elevation Pending Approval', 'Elevation Denied']);
    // The reason is the approver's text, with the request's status in the same words as the CLI and MCP.
    expect(aws.events[1].detail).toMatchObject({ requestId: REQUEST_ID, status: 'DENIED', reason: 'Not during the freeze' });
    expect(JSON.stringify(aws.events)).not.toContain(APPROVAL_DENIED_ERROR);
    expect(aws.sts).not.toHaveReceivedCommand(AssumeRoleCommand);
    expect(aws.secret(PROD)).toEqual({ status: 'inactive' });
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({ status: 'DENIED' });
  });

  it('ends in ApprovalExpired when nobody decides in time, and a late approval is refused', async () => {
    const run = runElevation(aws, requestEvent(detail()), { approvalTimeoutSeconds: 1 });
    const token = await pendingTaskToken(aws, REQUEST_ID);
    const result = await run;

    expect(result).toMatchObject({ status: 'FAILED', error: 'ApprovalExpired', finalState: STATE.approvalExpired });
    expect(aws.detailTypes()).toEqual(['Elevation Pending Approval', 'Elevation Approval Expired']);
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: approval() }))).rejects.toThrow(/Task Timed Out/);
    expect(aws.sts).not.toHaveReceivedCommand(AssumeRoleCommand);
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({ status: 'APPROVAL_EXPIRED' });
  });

  it('ends in MintFailed with the placeholder in place when AssumeRole is refused', async () => {
    aws.sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('User is not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' }));
    const run = runElevation(aws, requestEvent(detail()));
    const token = await pendingTaskToken(aws, REQUEST_ID);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: approval() }));
    const result = await run;

    expect(result).toMatchObject({ status: 'FAILED', error: 'MintFailed', finalState: STATE.mintFailed });
    expect(result.path).toContain(STATE.ensurePlaceholder);
    expect(aws.secret(PROD)).toEqual({ status: 'inactive' });
    expect(aws.detailTypes()).toEqual(['Elevation Pending Approval', 'Elevation Failed']);
    expect(aws.events[1].detail).toMatchObject({ stage: 'mint', status: 'FAILED', reason: expect.stringContaining('not authorized to perform: sts:AssumeRole') });
    expect(String(aws.events[1].detail.reason)).not.toMatch(/^\w+Error:/);
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({ status: 'FAILED' });
  });

  it('reuses the grant a mint attempt already wrote into the secret when the answer was lost', async () => {
    // Every PutSecretValue of a grant lands, but its response is lost (HTTP 500): Mint is retried.
    const run = runElevation(aws, requestEvent(detail()));
    const token = await pendingTaskToken(aws, REQUEST_ID);
    aws.secrets.failAfterWrite = (input) =>
      input.SecretString?.includes('AccessKeyId')
        ? Object.assign(new Error('Internal service error'), { name: 'InternalServiceError', $metadata: { httpStatusCode: 500 } })
        : undefined;
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: approval() }));
    const result = await run;

    // The retry found this request's grant current and carried on with it: one key, one grant, audited.
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    expect(aws.minted).toHaveLength(1);
    const granted = aws.events.find((e) => e.detailType === 'Elevation Granted');
    expect(granted?.detail).toMatchObject({ requestId: REQUEST_ID, grantId: (aws.table.items.get(REQUEST_ID)?.grant as { grantId: string }).grantId });
    expect(aws.secret(PROD)).toEqual({ status: 'inactive' });
  });

  it('ignores a redelivered request: no second email, no second grant', async () => {
    const event = requestEvent(detail());
    const first = runElevation(aws, event);
    const token = await pendingTaskToken(aws, REQUEST_ID);
    const second = await runElevation(aws, event);

    expect(second).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.duplicateIgnored });
    expect(aws.emails).toHaveLength(1);

    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: approval() }));
    expect((await first).finalState).toBe(STATE.audited);
    expect(aws.minted).toHaveLength(1);
    expect(aws.detailTypes().filter((t) => t === 'Elevation Pending Approval')).toHaveLength(1);
  });

  it('uses the EventBridge event id as request id, so a redelivery without one is still a duplicate', async () => {
    const event = requestEvent(detail({ requestId: undefined }), '5d1c9a7e-0b4f-4c55-8f4e-2a9c1e7b3d60');
    const first = runElevation(aws, event);
    await pendingTaskToken(aws, '5d1c9a7e-0b4f-4c55-8f4e-2a9c1e7b3d60');
    expect((await runElevation(aws, event)).finalState).toBe(STATE.duplicateIgnored);
    const token = await pendingTaskToken(aws, '5d1c9a7e-0b4f-4c55-8f4e-2a9c1e7b3d60');
    await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: APPROVAL_DENIED_ERROR, cause: 'test' }));
    expect((await first).finalState).toBe(STATE.denied);
  });

  it('leaves a newer grant in the secret alone when the older one expires', async () => {
    const newer = 'req-newer-0002';
    let newerRun: ReturnType<typeof runElevation> | undefined;
    let releaseNewer: () => void = () => undefined;
    const newerMayReset = new Promise<void>((resolve) => (releaseNewer = resolve));
    const older = runElevation(aws, requestEvent(detail()), {
      beforeTask: async (state) => {
        if (state !== STATE.reset) return;
        // While the first grant is live, a second request for the same account is approved and minted.
        newerRun = runElevation(aws, requestEvent(detail({ requestId: newer, role: 'Deploy' }), 'a0000000-0000-4000-8000-000000000002'), {
          beforeTask: (s) => (s === STATE.reset ? newerMayReset : undefined),
        });
        const t = await pendingTaskToken(aws, newer);
        await sfn.send(new SendTaskSuccessCommand({ taskToken: t, output: approval({ role: 'Deploy' }) }));
        while ((aws.secret(PROD) as { RequestId?: string }).RequestId !== newer) await new Promise((r) => setTimeout(r, 5));
      },
    });
    const token = await pendingTaskToken(aws, REQUEST_ID);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: approval() }));
    const result = await older;

    expect(result.finalState).toBe(STATE.audited);
    expect(aws.secret(PROD)).toMatchObject({ RequestId: newer, AccessKeyId: aws.minted[1].accessKeyId, RoleName: 'AgentElevated-Deploy' });
    const ended = aws.events.find((e) => e.detailType === 'Elevation Ended' && e.detail.requestId === REQUEST_ID);
    expect(ended?.detail).toMatchObject({ resetOutcome: 'not-current' });
    expect(aws.secrets.currentVersionId(secretNameFor(PROD))).toBe((aws.secret(PROD) as { GrantId: string }).GrantId);

    // The newer grant's own reset still works when its time comes.
    releaseNewer();
    expect((await newerRun)?.finalState).toBe(STATE.audited);
    expect(aws.secret(PROD)).toEqual({ status: 'inactive' });
  });

  it('rejects an invalid request with an event and never asks an approver', async () => {
    const result = await runElevation(aws, requestEvent(detail({ minutes: 90, role: 'Ops' })));

    expect(result).toMatchObject({ status: 'FAILED', error: 'Rejected', finalState: STATE.rejected });
    expect(aws.emails).toHaveLength(0);
    expect(aws.detailTypes()).toEqual(['Elevation Rejected']);
    expect(aws.events[0].detail).toMatchObject({
      requestId: REQUEST_ID,
      account: 'prod',
      role: 'Ops',
      reason: expect.stringContaining('90 is more than the 30 allowed'),
    });
    expect(aws.table.items.size).toBe(0);
  });
});

