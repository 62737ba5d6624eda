import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { form, httpEvent, linkIn, splitLink } from '../helpers/approval-fixtures';
import { deployedFunction, newFakeAws, pendingTaskToken, requestEvent, runElevation } from '../helpers/elevation-harness';

const REQUEST_ID = 'req-narrow-0001';
type WebHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Narrow, never widen (docs/approvals.md#narrow-never-widen): "Ops for 5 minutes" can never be approved as
 * "Security for 30", neither on the review page nor by a decision that reaches the workflow another way.
 */
describe('Workflow: an approver may narrow a request, never widen it', () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = newFakeAws();
  });
  afterEach(() => aws.restore());

  it('the review page refuses Security for 30 on a request for Ops for 5: 422, nothing decided, the request still waits', async () => {
    // Prepare
    const web = deployedFunction(aws, 'approval-web').handler as WebHandler;
    const run = runElevation(aws, requestEvent({ requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 5, reason: 'Restart the worker' }));
    const token = await pendingTaskToken(aws, REQUEST_ID);
    const link = splitLink(linkIn(aws.emails[0].text));
    const post = (fields: Record<string, string>) =>
      web(httpEvent('POST', link.path, { body: form({ c: link.capability, note: '', action: 'approve', ...fields }), contentType: 'application/x-www-form-urlencoded' }));

    // Act
    const shown = await web(httpEvent('GET', link.path, { query: link.query }));
    const wider = await post({ role: 'Security', minutes: '30' });
    const longer = await post({ role: 'Ops', minutes: '6' });
    const kept = aws.table.items.get(REQUEST_ID);
    const approved = await post({ role: 'Ops', minutes: '5' });
    const result = await run;

    // Assess
    expect(shown.body).not.toContain('value="Security"');
    expect(wider.statusCode).toBe(422);
    expect(wider.body).toContain('Security is not narrower than the requested Ops');
    expect(wider.body).toContain('30 is more than the 5 requested');
    expect(longer.statusCode).toBe(422);
    expect(kept).toMatchObject({ status: 'PENDING_APPROVAL', taskToken: token });
    expect(kept?.decision).toBeUndefined();
    expect(approved.statusCode).toBe(200);
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    expect(aws.minted).toHaveLength(1);
    expect(aws.minted[0].input).toMatchObject({ RoleArn: 'arn:aws:iam::222222222222:role/AgentElevated-Ops' });
  });

  it('mint refuses a wider decision delivered past the page: nothing minted, Failed with the named refusal', async () => {
    // Prepare
    const run = runElevation(aws, requestEvent({ requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 5, reason: 'Restart the worker' }));
    const token = await pendingTaskToken(aws, REQUEST_ID);

    // Act: a decision that never went through decideRequest (what a forged SendTaskSuccess would carry).
    aws.tokens.sendTaskSuccess(
      token,
      JSON.stringify({ role: 'Security', minutes: 30, approver: 'security-lead@example.com', decidedAt: aws.clock.now().toISOString(), channel: 'web' }),
    );
    const result = await run;

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', finalState: STATE.mintFailed });
    expect(aws.sts).not.toHaveReceivedCommand(AssumeRoleCommand);
    expect(aws.minted).toHaveLength(0);
    const failed = aws.events.find((e) => e.detailType === 'Elevation Failed');
    expect(failed?.detail).toMatchObject({ requestId: REQUEST_ID, stage: 'mint', reason: expect.stringContaining('wider than the request') });
    expect(String(failed?.detail.reason)).toContain('role: Security is not narrower than the requested Ops');
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({ status: 'FAILED' });
  });
});
