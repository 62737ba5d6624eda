import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { assumedRoleSessionArn } from '../../handlers/core/resource-names';
import { evaluatePolicies, toPolicyDocument } from '../../sandbox/iam/policy-evaluator';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { PROD, newFakeAws, pendingTaskToken, requestEvent, runElevation } from '../helpers/elevation-harness';
import { iamFixture } from '../helpers/iam-fixture';
import { contextOf, evaluate, type Decision } from '../helpers/iam-simulator';
import { identityPoliciesOfRole } from '../helpers/iam-template';

/**
 * A grant shaped by the agent's plan, through the synthesized workflow with the real handlers: the session
 * policy the mint passed to AssumeRole is evaluated, with the Ops role's synthesized policies (its policy
 * file and the deny-always ceiling), by the sandbox's evaluator and by iam-simulate, for the calls the
 * agent then makes; the trail records them as AWS would (a refused call with AccessDenied), and the
 * report shows the planned, the unplanned and the refused calls.
 */
const REQUEST_ID = 'req-planned-0001';
const f = iamFixture();
const ROLE = 'AgentElevated-Ops';
const sfn = new SFNClient({ region: 'eu-west-1' });
const service = `arn:aws:ecs:eu-west-1:${PROD}:service/prod/payments`;
const detail = (overrides: Record<string, unknown> = {}) => ({
  requestId: REQUEST_ID,
  account: 'prod',
  role: 'Ops',
  minutes: 15,
  reason: 'Restart the stuck payment worker',
  plannedActions: ['ecs:UpdateService', 'ecs:DescribeServices'],
  plannedResources: { 'ecs:UpdateService': [service] },
  ...overrides,
});
const approval = JSON.stringify({ role: 'Ops', minutes: 15, approver: 'security-lead@example.com', decidedAt: new Date().toISOString() });

interface Call {
  readonly action: string;
  readonly resource: string;
  readonly region: string;
}

/** What IAM answers the minted session for a call: the sandbox's evaluator and iam-simulate, which must agree. */
async function authorize(aws: FakeAws, call: Call): Promise<Decision> {
  const minted = aws.minted[0];
  const sessionPolicy = String(minted.input.Policy);
  const principal = assumedRoleSessionArn('aws', PROD, ROLE, String(minted.input.RoleSessionName));
  const input = {
    principal,
    session: { sourceIdentity: String(minted.input.SourceIdentity), issuedAt: aws.clock.now().toISOString() },
    action: call.action,
    resource: call.resource,
    region: call.region,
    at: aws.clock.now().toISOString(),
  };
  const policies = identityPoliciesOfRole(f.prod, ROLE);
  const simulated = await evaluate({ ...input, resourceAccount: PROD, identityPolicies: policies, sessionPolicy });
  const ours = evaluatePolicies(
    { identity: policies.map((p) => toPolicyDocument(p.policy)), sessionPolicy: toPolicyDocument(JSON.parse(sessionPolicy)) },
    { principalArn: principal, action: call.action, resource: call.resource, context: contextOf(input) },
  ).decision;
  expect(`${call.action} in ${call.region}: ${ours}`).toBe(`${call.action} in ${call.region}: ${simulated}`);
  return ours;
}

describe('Workflow: a plan-scoped grant (synthesized state machine, real handlers)', () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = newFakeAws();
  });
  afterEach(() => aws.restore());

  it('allows the planned call, refuses an unplanned one and any call outside the audited regions; the report shows each', async () => {
    // Prepare
    const decisions: Record<string, Decision> = {};
    const calls: Record<string, Call & { readonly name: string; readonly source: string }> = {
      planned: { action: 'ecs:UpdateService', resource: service, region: 'eu-west-1', name: 'UpdateService', source: 'ecs.amazonaws.com' },
      unplanned: { action: 'ec2:StopInstances', resource: `arn:aws:ec2:eu-west-1:${PROD}:instance/i-0123456789abcdef0`, region: 'eu-west-1', name: 'StopInstances', source: 'ec2.amazonaws.com' },
      unaudited: { action: 'ecs:UpdateService', resource: `arn:aws:ecs:ap-southeast-2:${PROD}:service/prod/payments`, region: 'ap-southeast-2', name: 'UpdateService', source: 'ecs.amazonaws.com' },
    };
    const run = runElevation(aws, requestEvent(detail()), {
      beforeTask: async (state) => {
        if (state !== STATE.notifyGranted) return;
        // The agent makes its calls while the grant is live; CloudTrail records each, refused or not.
        for (const [key, call] of Object.entries(calls)) {
          decisions[key] = await authorize(aws, call);
          const refused = decisions[key] !== 'Allowed';
          aws.trail.record(aws.minted[0].accessKeyId, {
            id: `e-${key}`,
            name: call.name,
            source: call.source,
            region: call.region,
            time: aws.clock.now(),
            readOnly: false,
            ...(refused ? { errorCode: call.source.startsWith('ec2') ? 'Client.UnauthorizedOperation' : 'AccessDeniedException', errorMessage: `not authorized to perform: ${call.action}` } : {}),
          });
        }
      },
    });

    // Act
    const token = await pendingTaskToken(aws, REQUEST_ID);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: approval }));
    const result = await run;

    // Assess: IAM's answers.
    expect(result.status).toBe('SUCCEEDED');
    expect(decisions).toEqual({ planned: 'Allowed', unplanned: 'ImplicitlyDenied', unaudited: 'ExplicitlyDenied' });
    // The session policy STS received is the plan, fenced.
    const policy = JSON.parse(String(aws.minted[0].input.Policy));
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['JitPlan0', 'JitPlan1', 'JitRegionFence', 'JitGlobalOnly']);

    // The report: the planned call, the unplanned attempt, and the refusal; the call in ap-southeast-2 was
    // refused before it did anything, in a region the audit does not read.
    const audited = aws.events.find((e) => e.detailType === 'Elevation Audited')?.detail ?? {};
    const report = JSON.parse(aws.s3.latest(String(audited.reportUri))?.body ?? '{}');
    expect(report.collection.complete).toBe(true);
    expect(report.actions.map((a: { iamAction: string; result: string; flags: string[] }) => [a.iamAction, a.result, a.flags])).toEqual([
      ['ecs:UpdateService', 'Success', ['mutating']],
      ['ec2:StopInstances', 'Client.UnauthorizedOperation', expect.arrayContaining(['access-denied', 'unplanned'])],
    ]);
    expect(report.plan.planned).toEqual([
      { text: 'ecs:UpdateService', checkable: true, calls: 1 },
      { text: 'ecs:DescribeServices', checkable: true, calls: 0 },
    ]);
    expect(report.plan.unplanned).toEqual([{ iamAction: 'ec2:StopInstances', calls: 1, mutating: true }]);
    expect(report.summary).toMatchObject({ accessDenied: 1 });
  });

  it('refuses at Register, with a clear message, a plan whose session policy cannot fit in 2,048 characters', async () => {
    // Prepare: two actions the role allows, each on ten long services of clusters of their own (nothing to widen).
    const services = (name: string) => Array.from({ length: 10 }, (_, i) => `arn:aws:ecs:eu-west-1:${PROD}:service/cluster-${i}-${'c'.repeat(40)}/${name}`);
    const plannedActions = ['ecs:UpdateService', 'ecs:DescribeServices'];
    const plannedResources = { 'ecs:UpdateService': services('payments'), 'ecs:DescribeServices': services('billing') };

    // Act
    const result = await runElevation(aws, requestEvent(detail({ plannedActions, plannedResources })));

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'Rejected', finalState: STATE.rejected });
    expect(aws.emails).toHaveLength(0);
    expect(aws.minted).toHaveLength(0);
    expect(aws.detailTypes()).toEqual(['Elevation Rejected']);
    expect(aws.events[0].detail).toMatchObject({ reason: expect.stringMatching(/plannedActions: the plan needs a session policy of \d+ characters after compression; STS allows 2048/) });
  });
});
