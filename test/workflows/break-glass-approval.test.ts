import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { loadJitConfig } from '../../infra/config/load-config';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { approverRouteEvent } from '../helpers/approval-fixtures';
import { deployedFunction, newFakeAws, pendingTaskToken, requestEvent, runElevation, useHarnessConfig } from '../helpers/elevation-harness';

/**
 * test/configs/break-glass.config.json: Ops is `breakGlass` for at most 15 minutes; three approvers, each
 * with an IAM user (approval.iamPrincipals). oncall@example.com is the requester of these requests.
 */
useHarnessConfig(loadJitConfig(join(__dirname, '..', 'configs', 'break-glass.config.json')));
jest.setTimeout(300_000);

const REQUEST_ID = 'req-glass-0001';
const ONCALL = 'arn:aws:iam::111111111111:user/oncall';
const SECURITY = 'arn:aws:iam::111111111111:user/security-lead';
const APPROVERS = ['oncall@example.com', 'security-lead@example.com', 'platform-lead@example.com'];
type WebHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

function answer(response: APIGatewayProxyStructuredResultV2): Record<string, unknown> {
  return JSON.parse(String(response.body)) as Record<string, unknown>;
}

describe('Workflow: break-glass, the requester approves their own request and an approver reviews it afterwards', () => {
  let aws: FakeAws;
  let web: WebHandler;
  beforeEach(() => {
    aws = newFakeAws();
    web = deployedFunction(aws, 'approval-web').handler as WebHandler;
  });
  afterEach(() => aws.restore());

  const request = (detail: Record<string, unknown> = {}) =>
    requestEvent({ requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 10, reason: 'Production is down', requester: 'oncall@example.com', ...detail });
  const call = (method: string, path: string, caller: string, body?: unknown) => web(approverRouteEvent(method, path, caller, body));

  it('approves Ops for 10 minutes as the requester, alerts every approver and the bus, marks the request until another approver acks it', async () => {
    // Prepare
    const run = runElevation(aws, request());
    await pendingTaskToken(aws, REQUEST_ID);
    const before = aws.emails.length;

    // Act
    const approved = await call('POST', `/approvals/${REQUEST_ID}/approve`, ONCALL, { breakGlass: true, reason: 'Orders API is down, incident INC-42' });
    const result = await run;
    const marked = answer(await call('GET', `/approvals/${REQUEST_ID}`, SECURITY));
    const ownAck = await call('POST', `/approvals/${REQUEST_ID}/ack`, ONCALL);
    const acked = await call('POST', `/approvals/${REQUEST_ID}/ack`, SECURITY);
    const again = await call('POST', `/approvals/${REQUEST_ID}/ack`, 'arn:aws:iam::111111111111:user/platform-lead');
    const cleared = answer(await call('GET', `/approvals/${REQUEST_ID}`, SECURITY));

    // Assess
    expect(approved.statusCode).toBe(200);
    expect(answer(approved)).toMatchObject({ outcome: 'approved', breakGlass: true, alerts: { email: true, event: true } });
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    expect(aws.minted).toHaveLength(1);
    const alert = aws.emails.slice(before).find((e) => e.subject.startsWith('BREAK-GLASS'));
    expect(alert?.to).toEqual(APPROVERS);
    expect(alert?.text).toContain('Break-glass reason: Orders API is down, incident INC-42');
    expect(alert?.text).toContain(`jit ack ${REQUEST_ID}`);
    const event = aws.events.find((e) => e.detailType === 'Elevation Break Glass');
    expect(event?.detail).toMatchObject({ requestId: REQUEST_ID, operator: 'oncall@example.com', principal: ONCALL, role: 'Ops', minutes: 10, maxMinutes: 15, reason: 'Orders API is down, incident INC-42' });
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({ decision: { approver: 'oncall@example.com', principal: ONCALL, breakGlass: { reason: 'Orders API is down, incident INC-42', maxMinutes: 15 } } });
    expect(marked.postReview).toEqual({ status: 'pending', operator: 'oncall@example.com', reason: 'Orders API is down, incident INC-42' });
    expect(ownAck.statusCode).toBe(409);
    expect(answer(ownAck).reason).toContain('another approver must acknowledge it');
    expect(acked.statusCode).toBe(200);
    expect(answer(acked)).toMatchObject({ outcome: 'acknowledged', postReview: { status: 'acknowledged', acknowledgedBy: 'security-lead@example.com' } });
    expect(answer(again)).toMatchObject({ outcome: 'already-acknowledged', postReview: { acknowledgedBy: 'security-lead@example.com' } });
    expect(aws.table.items.get(REQUEST_ID)).toMatchObject({ postReviewAck: { approver: 'security-lead@example.com', principal: SECURITY } });
    expect(cleared.postReview).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'security-lead@example.com' });
  });

  it.each([
    ['no reason', {}, ONCALL, 'reason: break-glass needs a reason'],
    ['more than the break-glass maximum', { reason: 'down', minutes: 20 }, ONCALL, 'minutes: 20 is more than the break-glass maximum of 15 for role Ops'],
    ['an approver who is not the requester', { reason: 'down' }, SECURITY, 'security-lead@example.com is not the requester of this request'],
  ])('refuses break-glass with %s: 422, nothing decided, no alert, the request still waits', async (_name, body, caller, problem) => {
    // Prepare
    const run = runElevation(aws, request({ minutes: 20 }));
    const token = await pendingTaskToken(aws, REQUEST_ID);
    const before = aws.emails.length;

    // Act
    const refused = await call('POST', `/approvals/${REQUEST_ID}/approve`, caller, { breakGlass: true, ...body });
    const kept = aws.table.items.get(REQUEST_ID);
    await call('POST', `/approvals/${REQUEST_ID}/deny`, SECURITY, { reason: 'test over' });
    await run;

    // Assess
    expect(refused.statusCode).toBe(422);
    expect(answer(refused)).toMatchObject({ outcome: 'refused', code: 'BREAK_GLASS_REFUSED' });
    expect((answer(refused).problems as string[]).join('\n')).toContain(problem);
    expect(kept).toMatchObject({ status: 'PENDING_APPROVAL', taskToken: token });
    expect(kept?.decision).toBeUndefined();
    expect(aws.emails.slice(before).some((e) => e.subject.startsWith('BREAK-GLASS'))).toBe(false);
    expect(aws.events.some((e) => e.detailType === 'Elevation Break Glass')).toBe(false);
    expect(aws.minted).toHaveLength(0);
  });

  it('refuses a self-approval of a role that is not breakGlass (Security): nothing decided', async () => {
    // Prepare
    const run = runElevation(aws, request({ role: 'Security', minutes: 5 }));
    await pendingTaskToken(aws, REQUEST_ID);

    // Act
    const refused = await call('POST', `/approvals/${REQUEST_ID}/approve`, ONCALL, { breakGlass: true, reason: 'Production is down' });
    const ack = await call('POST', `/approvals/${REQUEST_ID}/ack`, SECURITY);
    await call('POST', `/approvals/${REQUEST_ID}/deny`, SECURITY, { reason: 'test over' });
    await run;

    // Assess
    expect(refused.statusCode).toBe(422);
    expect(answer(refused).problems).toContain('role Security is not marked breakGlass: another approver must approve this request');
    expect(ack.statusCode).toBe(409);
    expect(answer(ack).reason).toContain('was not approved by break-glass');
    expect(aws.table.items.get(REQUEST_ID)?.decision).toBeUndefined();
    expect(aws.minted).toHaveLength(0);
  });
});
