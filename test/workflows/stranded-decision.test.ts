import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ApprovalDecision } from '../../handlers/core/approval-decision';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { approvalDeps, approvalSettings, form, httpEvent, linkIn, splitLink } from '../helpers/approval-fixtures';
import { deployedFunction, newFakeAws, pendingTaskToken, requestEvent, runElevation, synthesizedElevation } from '../helpers/elevation-harness';

const REQUEST_ID = 'req-stranded-0001';
type WebHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** The deployed approval-web function, dating by the fake world's clock. */
function approvalWeb(aws: FakeAws): WebHandler {
  return deployedFunction(aws, 'approval-web').handler as WebHandler;
}

/**
 * The approver's call claims the decision (a conditional write) and dies before SendTaskSuccess: a Lambda
 * timeout or crash between the two. The claim is on record; nothing reached the workflow.
 */
async function strandApproval(aws: FakeAws): Promise<ApprovalDecision> {
  const decidedAt = aws.clock.now().toISOString();
  const decision: ApprovalDecision = { role: 'Ops', minutes: 5, approver: 'security-lead@example.com', decidedAt, channel: 'cli' };
  const store = approvalDeps(approvalSettings(), aws.clock).store;
  expect(await store.claimDecision(REQUEST_ID, { outcome: { status: 'APPROVED', decision }, decidedAt })).toBe(true);
  return decision;
}

describe('Workflow: a claimed decision whose delivery was interrupted', () => {
  let aws: FakeAws;
  // Synthesizing the app takes a while on a busy machine; once, before the cases.
  beforeAll(() => synthesizedElevation(), 180_000);
  beforeEach(() => {
    aws = newFakeAws();
  });
  afterEach(() => aws.restore());

  it('is delivered by the next press of the button, and the grant goes ahead', async () => {
    // Prepare
    const web = approvalWeb(aws);
    const run = runElevation(aws, requestEvent({ requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 5, reason: 'Restart the worker' }));
    await pendingTaskToken(aws, REQUEST_ID);
    const link = splitLink(linkIn(aws.emails[0].text));
    await strandApproval(aws);
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({ status: 'APPROVED', taskToken: expect.any(String) });

    // Act: the approver presses approve again.
    const again = await web(
      httpEvent('POST', link.path, {
        body: form({ c: link.capability, role: 'Ops', minutes: '5', note: '', action: 'approve' }),
        contentType: 'application/x-www-form-urlencoded',
      }),
    );
    const result = await run;

    // Assess: the stored decision (not a second one) reached the workflow once, and the grant ran its course.
    expect(again.statusCode).toBe(409);
    expect(String(again.body)).toContain('security-lead@example.com');
    expect(aws.sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    expect(aws.minted).toHaveLength(1);
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({ status: 'AUDITED', decision: { channel: 'cli' } });
    expect(aws.detailTypes()).toEqual(['Elevation Pending Approval', 'Elevation Granted', 'Elevation Ended', 'Elevation Audited']);
  });

  it('says the decision is still on its way while the workflow cannot be reached, and changes nothing', async () => {
    // Prepare
    const web = approvalWeb(aws);
    const run = runElevation(aws, requestEvent({ requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 5, reason: 'Restart the worker' }), {
      approvalTimeoutSeconds: 3,
    });
    await pendingTaskToken(aws, REQUEST_ID);
    const link = splitLink(linkIn(aws.emails[0].text));
    await strandApproval(aws);
    aws.sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 } }));

    // Act
    const again = await web(
      httpEvent('POST', link.path, {
        body: form({ c: link.capability, role: 'Ops', minutes: '5', note: '', action: 'approve' }),
        contentType: 'application/x-www-form-urlencoded',
      }),
    );
    const result = await run;

    // Assess: a clear answer, the claim kept; nobody came back, so the window closed visibly.
    expect(again.statusCode).toBe(503);
    expect(String(again.body)).toContain('already decided');
    expect(result).toMatchObject({ status: 'FAILED', finalState: STATE.approvalExpired });
    expect(aws.detailTypes()).toEqual(['Elevation Pending Approval', 'Elevation Approval Expired']);
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({ status: 'APPROVAL_EXPIRED' });
    expect(aws.minted).toHaveLength(0);
  }, 20_000);

  it('is delivered by the reconciler when nobody comes back, and the grant goes ahead', async () => {
    // Prepare: the approver's call died after the claim; nobody presses again.
    const run = runElevation(aws, requestEvent({ requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 5, reason: 'Restart the worker' }));
    await pendingTaskToken(aws, REQUEST_ID);
    await strandApproval(aws);
    const reconcile = deployedFunction(aws, 'reconcile').handler as () => Promise<Record<string, number>>;

    // Act: the schedule's run right after the claim leaves it to the approver's own call; the next one delivers.
    const early = await reconcile();
    aws.clock.advanceBy(61_000);
    const due = await reconcile();
    const result = await run;
    const after = await reconcile();

    // Assess: the stored decision reached the workflow once, and the request went all the way.
    expect(early).toEqual({ delivered: 0, failed: 0, deferred: 1 });
    expect(due).toEqual({ delivered: 1, failed: 0, deferred: 0 });
    expect(after).toEqual({ delivered: 0, failed: 0, deferred: 0 });
    expect(aws.sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    expect(aws.minted).toHaveLength(1);
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({ status: 'AUDITED', decision: { approver: 'security-lead@example.com' } });
    expect(aws.detailTypes()).toEqual(['Elevation Pending Approval', 'Elevation Granted', 'Elevation Ended', 'Elevation Audited']);
  });

  it('ends the request visibly FAILED, with its event, when nothing waits for the decision any more', async () => {
    // Prepare: the claim is stranded, then the execution is stopped: its task token is no longer valid.
    const stop = new AbortController();
    const run = runElevation(aws, requestEvent({ requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 5, reason: 'Restart the worker' }), { signal: stop.signal });
    await pendingTaskToken(aws, REQUEST_ID);
    await strandApproval(aws);
    stop.abort();
    expect(await run).toMatchObject({ status: 'FAILED' });
    const reconcile = deployedFunction(aws, 'reconcile').handler as () => Promise<Record<string, number>>;
    const deadline = Date.parse(String(aws.table.items.get(REQUEST_ID)?.approvalDeadline));

    // Act: refused within the settling bound (a live workflow would record its own outcome), failed after it.
    aws.clock.advanceBy(61_000);
    const refused = await reconcile();
    aws.clock.advanceTo(new Date(deadline + 15 * 60_000));
    const settled = await reconcile();
    const again = await reconcile();

    // Assess
    expect(refused).toEqual({ delivered: 0, failed: 0, deferred: 1 });
    expect(settled).toEqual({ delivered: 0, failed: 1, deferred: 0 });
    expect(again).toEqual({ delivered: 0, failed: 0, deferred: 0 });
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({ status: 'FAILED', failure: expect.stringContaining('never reached the workflow') });
    expect(aws.table.items.get(REQUEST_ID)).not.toHaveProperty('taskToken');
    expect(aws.detailTypes()).toEqual(['Elevation Pending Approval', 'Elevation Failed']);
    expect(aws.events.at(-1)?.detail).toMatchObject({ requestId: REQUEST_ID, status: 'FAILED', stage: 'approval', agentSource: 'jit.agent' });
    expect(aws.minted).toHaveLength(0);
  });
});
