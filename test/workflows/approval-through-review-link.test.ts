import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { form, httpEvent, linkIn, splitLink } from '../helpers/approval-fixtures';
import { PROD, deployedFunction, newFakeAws, pendingTaskToken, requestEvent, runElevation } from '../helpers/elevation-harness';

const REQUEST_ID = 'req-web-0001';
type WebHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** The deployed approval function, loaded with the environment the synthesized template gives it. */
function approvalWeb(aws: FakeAws): WebHandler {
  return deployedFunction(aws, 'approval-web').handler as WebHandler;
}

describe('Workflow: a decision made on the review page drives the synthesized state machine', () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = newFakeAws();
  });
  afterEach(() => aws.restore());

  it('approves from the emailed link with fewer minutes: granted for those minutes, then audited', async () => {
    // Prepare
    const web = approvalWeb(aws);
    const run = runElevation(aws, requestEvent({ requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 30, reason: 'Restart the worker' }));
    await pendingTaskToken(aws, REQUEST_ID);
    const link = splitLink(linkIn(aws.emails[0].text));
    expect(link.path).toBe(`/review/${REQUEST_ID}`);

    // Act
    const shown = await web(httpEvent('GET', link.path, { query: link.query }));
    const decided = await web(
      httpEvent('POST', link.path, {
        body: form({ c: link.capability, role: 'Ops', minutes: '5', note: '', action: 'approve' }),
        contentType: 'application/x-www-form-urlencoded',
      }),
    );
    const result = await run;
    const reopened = await web(httpEvent('GET', link.path, { query: link.query }));

    // Assess
    expect(shown.statusCode).toBe(200);
    expect(decided.statusCode).toBe(200);
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    expect(aws.minted).toHaveLength(1);
    expect(aws.minted[0].input).toMatchObject({ DurationSeconds: 900, SourceIdentity: `jit-${REQUEST_ID}` });
    const granted = aws.events.find((e) => e.detailType === 'Elevation Granted');
    expect(granted?.detail).toMatchObject({ requestId: REQUEST_ID, account: PROD, role: 'Ops', minutes: 5 });
    expect(Date.parse(String(granted?.detail.expiresAt)) - Date.parse(String((aws.table.items.get(REQUEST_ID)?.grant as { grantedAt: string }).grantedAt))).toBe(
      5 * 60_000,
    );
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({
      status: 'AUDITED',
      decision: { role: 'Ops', minutes: 5, approver: 'security-lead@example.com', channel: 'web' },
    });
    expect(aws.sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(reopened.statusCode).toBe(409);
    expect(reopened.body).toContain('Already decided');
    // The confirmation went out after the approval email, to the approvers.
    expect(aws.emails.map((e) => e.subject)).toEqual([expect.stringMatching(/^Approve Ops for 30 min in prod\?/), `Approved: Ops in prod (request ${REQUEST_ID})`]);
  });

  it('denies from the emailed link: Denied, nothing minted', async () => {
    const web = approvalWeb(aws);
    const run = runElevation(aws, requestEvent({ requestId: REQUEST_ID, account: 'prod', role: 'Deploy', minutes: 20, reason: 'Ship it' }));
    await pendingTaskToken(aws, REQUEST_ID);
    const link = splitLink(linkIn(aws.emails[0].text));

    const decided = await web(
      httpEvent('POST', link.path, { body: form({ c: link.capability, note: 'Use the pipeline', action: 'deny' }), contentType: 'application/x-www-form-urlencoded' }),
    );
    const result = await run;

    expect(decided.statusCode).toBe(200);
    expect(result).toMatchObject({ status: 'FAILED', finalState: STATE.denied });
    expect(aws.events.at(-1)).toMatchObject({ detailType: 'Elevation Denied', detail: { requestId: REQUEST_ID, status: 'DENIED', reason: 'Use the pipeline' } });
    expect(aws.sts).not.toHaveReceivedCommand(AssumeRoleCommand);
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({ status: 'DENIED', denial: { reason: 'Use the pipeline', channel: 'web' } });
    expect(aws.table.items.get(REQUEST_ID)?.taskToken).toBeUndefined();
  });
});
