import { join } from 'node:path';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { loadJitConfig } from '../../infra/config/load-config';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { approverRouteEvent, form, httpEvent, linkIn, splitLink } from '../helpers/approval-fixtures';
import { deployedFunction, newFakeAws, pendingTaskToken, requestEvent, runElevation, useHarnessConfig } from '../helpers/elevation-harness';

/**
 * Approver routing and quorum (test/configs/routed-approvals.config.json): Security goes to the group
 * `security-team` (three people) and needs two of them; Deploy in prod goes to the release manager and
 * the security lead; staging to its owner; everything else to the fallback, the security lead.
 */
useHarnessConfig(loadJitConfig(join(__dirname, '..', 'configs', 'routed-approvals.config.json')));

// The first test synthesizes the broker: a minute on a busy machine.
jest.setTimeout(300_000);

type WebHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const SEC_A_ARN = 'arn:aws:iam::111111111111:user/sec-a';
const RELEASE_ARN = 'arn:aws:iam::111111111111:user/release-manager';

function approvalWeb(aws: FakeAws): WebHandler {
  return deployedFunction(aws, 'approval-web').handler as WebHandler;
}

/** The approval email each approver got for a request, by address. */
function linksByApprover(aws: FakeAws, requestId: string): Map<string, ReturnType<typeof splitLink>> {
  const links = new Map<string, ReturnType<typeof splitLink>>();
  for (const email of aws.emails) {
    if (!email.subject.includes(requestId) && !email.text.includes(requestId)) continue;
    if (!/^Review and decide: /m.test(email.text)) continue;
    links.set(email.to.join(','), splitLink(linkIn(email.text)));
  }
  return links;
}

async function press(web: WebHandler, link: ReturnType<typeof splitLink>, action: 'approve' | 'deny', extra: Record<string, string> = {}) {
  return web(httpEvent('POST', link.path, { body: form({ c: link.capability, action, note: '', ...extra }), contentType: 'application/x-www-form-urlencoded' }));
}

describe('Workflow: approvers routed per account, role and account+role, with a quorum', () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = newFakeAws();
  });
  afterEach(() => aws.restore());

  it('routes a Deploy request in prod to its two approvers only; an unrouted approver cannot approve it from the terminal', async () => {
    // Prepare
    const web = approvalWeb(aws);
    const requestId = 'req-route-0001';
    const run = runElevation(aws, requestEvent({ requestId, account: 'prod', role: 'Deploy', minutes: 20, reason: 'Ship v2' }));
    await pendingTaskToken(aws, requestId);
    const links = linksByApprover(aws, requestId);

    // Act
    const bySecA = await web(approverRouteEvent('POST', `/approvals/${requestId}/approve`, SEC_A_ARN, {}));
    const pendingForSecA = await web(approverRouteEvent('GET', '/approvals', SEC_A_ARN));
    const pendingForRelease = await web(approverRouteEvent('GET', '/approvals', RELEASE_ARN));
    const byRelease = await web(approverRouteEvent('POST', `/approvals/${requestId}/approve`, RELEASE_ARN, {}));
    const result = await run;

    // Assess
    expect([...links.keys()].sort()).toEqual(['release-manager@example.com', 'security-lead@example.com']);
    expect(bySecA.statusCode).toBe(403);
    expect(JSON.parse(bySecA.body ?? '{}')).toMatchObject({ outcome: 'not-routed', code: 'NOT_ROUTED' });
    expect(JSON.parse(pendingForSecA.body ?? '{}').pending).toEqual([]);
    expect(JSON.parse(pendingForRelease.body ?? '{}').pending.map((p: { requestId: string }) => p.requestId)).toEqual([requestId]);
    expect(byRelease.statusCode).toBe(200);
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    expect(aws.table.items.get(requestId)).toMatchObject({ decision: { approver: 'release-manager@example.com', channel: 'cli' } });
    // The confirmation went to the routed approvers only.
    const confirmation = aws.emails.find((e) => e.subject.startsWith('Approved: Deploy'));
    expect(confirmation?.to.sort()).toEqual(['release-manager@example.com', 'security-lead@example.com']);
    expect(aws.emails.every((e) => !e.to.some((to) => to.startsWith('sec-')))).toBe(true);
  });

  it('routes staging to its owner and the rest of prod to the fallback', async () => {
    const stagingRun = runElevation(aws, requestEvent({ requestId: 'req-route-0002', account: 'staging', role: 'Ops', minutes: 10, reason: 'Look at logs' }));
    await pendingTaskToken(aws, 'req-route-0002');
    const prodRun = runElevation(aws, requestEvent({ requestId: 'req-route-0003', account: 'prod', role: 'Ops', minutes: 10, reason: 'Restart' }), { });
    await pendingTaskToken(aws, 'req-route-0003');

    expect([...linksByApprover(aws, 'req-route-0002').keys()]).toEqual(['staging-owner@example.com']);
    expect([...linksByApprover(aws, 'req-route-0003').keys()]).toEqual(['security-lead@example.com']);
    const web = approvalWeb(aws);
    await press(web, linksByApprover(aws, 'req-route-0002').get('staging-owner@example.com')!, 'deny');
    await press(web, linksByApprover(aws, 'req-route-0003').get('security-lead@example.com')!, 'deny');
    await Promise.all([stagingRun, prodRun]);
  });

  it('needs two of three for Security: the same approver twice counts once, the second person completes it', async () => {
    // Prepare
    const web = approvalWeb(aws);
    const requestId = 'req-quorum-0001';
    // Read-only planned actions that the config's rule `read-only-security` would approve alone: a quorum route is never left to a rule.
    const run = runElevation(
      aws,
      requestEvent({ requestId, account: 'prod', role: 'Security', minutes: 5, reason: 'Rotate a key', requester: 'sec-c@example.com', plannedActions: ['iam:ListRoles'] }),
    );
    await pendingTaskToken(aws, requestId);
    const links = linksByApprover(aws, requestId);
    const successesBefore = () => aws.sfn.commandCalls(SendTaskSuccessCommand).length;

    // Act
    const first = await press(web, links.get('sec-a@example.com')!, 'approve');
    const again = await press(web, links.get('sec-a@example.com')!, 'approve');
    const againByCli = await web(approverRouteEvent('POST', `/approvals/${requestId}/approve`, SEC_A_ARN, {}));
    const callbacksAfterOne = successesBefore();
    const page = await web(httpEvent('GET', links.get('sec-b@example.com')!.path, { query: links.get('sec-b@example.com')!.query }));
    const second = await press(web, links.get('sec-b@example.com')!, 'approve');
    const result = await run;

    // Assess
    // The requester (sec-c) is in the group but gets no link: the request names them as its requester.
    expect([...links.keys()].sort()).toEqual(['sec-a@example.com', 'sec-b@example.com']);
    expect(first.statusCode).toBe(202);
    expect(first.body).toContain('1 of 2');
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('Already counted');
    expect(JSON.parse(againByCli.body ?? '{}')).toMatchObject({ outcome: 'counted', duplicate: true });
    expect(callbacksAfterOne).toBe(0);
    expect(page.body).toContain('1 of 2 approvals');
    expect(page.body).toContain('sec-a@example.com');
    expect(second.statusCode).toBe(200);
    expect(result).toMatchObject({ status: 'SUCCEEDED', finalState: STATE.audited });
    expect(aws.sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(aws.sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    const record = aws.table.items.get(requestId);
    expect(record?.decision).not.toMatchObject({ channel: 'rule' });
    expect(record).toMatchObject({
      status: 'AUDITED',
      decision: {
        role: 'Security',
        approver: 'sec-b@example.com',
        approvers: [
          { approver: 'sec-a@example.com', channel: 'web' },
          { approver: 'sec-b@example.com', channel: 'web' },
        ],
      },
    });
    expect(Object.keys(record?.approvals as object).sort()).toEqual(['sec-a@example.com', 'sec-b@example.com']);
    // The audit report lists every approver.
    const audited = aws.events.find((e) => e.detailType === 'Elevation Audited');
    const report = JSON.parse(aws.s3.latest(String(audited?.detail.reportUri))?.body ?? '{}');
    expect(report.approval).toMatchObject({
      approvedBy: 'sec-b@example.com',
      approvers: [
        { approver: 'sec-a@example.com', channel: 'web' },
        { approver: 'sec-b@example.com', channel: 'web' },
      ],
    });
    const markdown = aws.s3.latest(String(audited?.detail.markdownUri))?.body ?? '';
    expect(markdown).toMatch(/\| Approved by \| sec-a@example\.com at .* \(web\); sec-b@example\.com at .* \(web\) \|/);
    // One progress note after the first approval, none for the duplicate, then the confirmation listing both.
    expect(aws.emails.filter((e) => e.subject.startsWith('Approved 1 of 2'))).toHaveLength(1);
    const confirmation = aws.emails.find((e) => e.subject.startsWith('Approved: Security'));
    expect(confirmation?.text).toMatch(/Approver 1: sec-a@example\.com/);
    expect(confirmation?.text).toMatch(/Approver 2: sec-b@example\.com/);
  });

  it('ends a Security request at one denial, after one approval: nothing minted', async () => {
    const web = approvalWeb(aws);
    const requestId = 'req-quorum-0002';
    const run = runElevation(aws, requestEvent({ requestId, account: 'prod', role: 'Security', minutes: 5, reason: 'Open a port' }));
    await pendingTaskToken(aws, requestId);
    const links = linksByApprover(aws, requestId);

    const approved = await press(web, links.get('sec-a@example.com')!, 'approve');
    const denied = await press(web, links.get('sec-c@example.com')!, 'deny', { note: 'Not during the freeze' });
    const late = await press(web, links.get('sec-b@example.com')!, 'approve');
    const result = await run;

    expect([...links.keys()].sort()).toEqual(['sec-a@example.com', 'sec-b@example.com', 'sec-c@example.com']);
    expect(approved.statusCode).toBe(202);
    expect(denied.statusCode).toBe(200);
    expect(late.statusCode).toBe(409);
    expect(result).toMatchObject({ status: 'FAILED', finalState: STATE.denied });
    expect(aws.sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
    expect(aws.sts).not.toHaveReceivedCommand(AssumeRoleCommand);
    expect(aws.table.items.get(requestId)).toMatchObject({ status: 'DENIED', denial: { approver: 'sec-c@example.com', reason: 'Not during the freeze' } });
  });
});
