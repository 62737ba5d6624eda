import { CheckNoNewAccessCommand } from '@aws-sdk/client-accessanalyzer';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { auditReportSchema } from '../../handlers/core/audit-report';
import { rolePermissionsOf } from '../../handlers/core/role-permissions';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { newFakeAws, pendingTaskToken, requestEvent, runElevation } from '../helpers/elevation-harness';
import { exampleSettings } from '../helpers/synth';

/**
 * Proofs against the role, through the synthesized workflow with the real handlers and IAM Access Analyzer
 * mocked at the SDK boundary (FakeAws): the session policy of a planned grant is compared with the role's
 * merged permissions policy (CheckNoNewAccess) at RequestApproval and again at the mint; a FAIL stops the
 * mint; a plan outside the role never reaches an approver.
 */
const REQUEST_ID = 'req-role-proof-0001';
const sfn = new SFNClient({ region: 'eu-west-1' });
const approval = JSON.stringify({ role: 'Ops', minutes: 15, approver: 'security-lead@example.com', decidedAt: new Date().toISOString() });
const detail = (overrides: Record<string, unknown> = {}) => ({
  requestId: REQUEST_ID,
  account: 'prod',
  role: 'Ops',
  minutes: 15,
  reason: 'Restart the stuck payment worker',
  plannedActions: ['ecs:UpdateService', 'ecs:DescribeServices'],
  ...overrides,
});
/** What the broker's functions hold for Ops: its policy file and the ceiling's deny list. */
const opsMerged = rolePermissionsOf(exampleSettings(), 'Ops')?.json;

describe('Workflow: proofs against the role, plans inside the role (synthesized state machine, real handlers)', () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = newFakeAws();
  });
  afterEach(() => aws.restore());

  async function approveAndRun(overrides: Record<string, unknown> = {}) {
    const run = runElevation(aws, requestEvent(detail(overrides)));
    const token = await pendingTaskToken(aws, REQUEST_ID);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: approval }));
    return run;
  }

  it("proves a planned grant's session policy within the role: CheckNoNewAccess PASS at the approval and at the mint, shown everywhere", async () => {
    // Prepare
    aws.analyzerAnswers = { validate: [], noNewAccess: 'PASS', accessNotGranted: 'PASS' };

    // Act
    const result = await approveAndRun();

    // Assess: asked twice (the policy as requested, for the approvers; the exact policy the mint passes)
    expect(result.finalState).toBe(STATE.audited);
    const calls = aws.accessAnalyzer.commandCalls(CheckNoNewAccessCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    for (const input of calls) expect(input).toMatchObject({ existingPolicyDocument: opsMerged, policyType: 'IDENTITY_POLICY' });
    expect(calls[1]?.newPolicyDocument).toBe(String(aws.minted[0]?.input.Policy));
    expect(JSON.parse(String(calls[1]?.existingPolicyDocument)).Statement.at(-1)).toMatchObject({ Sid: 'NeverEvenElevated', Effect: 'Deny' });

    const pending = aws.events.find((e) => e.detailType === 'Elevation Pending Approval')?.detail;
    expect(pending?.approvalProofs).toEqual({
      verdict: 'proven',
      checks: [
        { check: 'validate-policy', subject: 'session policy', status: 'pass' },
        { check: 'no-new-access', subject: 'session policy vs role policy', status: 'pass' },
        { check: 'access-not-granted', subject: expect.stringContaining('ec2:TerminateInstances'), status: 'pass' },
      ],
    });
    expect(aws.emails[0]?.text).toContain('PASS no-new-access (session policy vs role policy): The policy grants no new access.');
    expect(aws.events.find((e) => e.detailType === 'Elevation Granted')?.detail).toMatchObject({ proofs: { verdict: 'proven' } });
    const audited = aws.events.find((e) => e.detailType === 'Elevation Audited')?.detail ?? {};
    const report = auditReportSchema.parse(JSON.parse(aws.s3.latest(String(audited.reportUri))?.body ?? '{}'));
    expect(report.proofs?.checks.find((c) => c.check === 'no-new-access')).toMatchObject({ status: 'pass' });
  }, 180_000);

  it('stops the mint on a CheckNoNewAccess FAIL (proofs.onFail defaults to refuse): nothing minted, the approver saw the FAIL', async () => {
    // Prepare
    aws.analyzerAnswers = { validate: [], noNewAccess: 'FAIL', accessNotGranted: 'PASS' };

    // Act
    const result = await approveAndRun();

    // Assess
    expect(result.path).not.toContain(STATE.notifyGranted);
    expect(aws.minted).toHaveLength(0);
    expect(aws.secret('222222222222')).toEqual({ status: 'inactive' });
    expect(aws.emails[0]?.text).toContain('FAIL no-new-access (session policy vs role policy)');
    expect(aws.events.find((e) => e.detailType === 'Elevation Pending Approval')?.detail).toMatchObject({ approvalProofs: { verdict: 'failed' } });
    expect(String(aws.events.find((e) => e.detailType === 'Elevation Failed')?.detail.reason)).toMatch(/IAM Access Analyzer refused the session policy of req-role-proof-0001: .*FAIL no-new-access/);
  }, 180_000);

  it('refuses at Register a plan outside the role, naming the actions: nobody is asked, nothing is proven or minted', async () => {
    // Prepare
    aws.analyzerAnswers = { validate: [], noNewAccess: 'PASS', accessNotGranted: 'PASS' };

    // Act
    const result = await runElevation(aws, requestEvent(detail({ plannedActions: ['ecs:UpdateService', 'iam:CreateUser', 'ec2:TerminateInstances'] })));

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'Rejected', finalState: STATE.rejected });
    expect(aws.detailTypes()).toEqual(['Elevation Rejected']);
    expect(aws.events[0]?.detail).toMatchObject({
      requestId: REQUEST_ID,
      reason: expect.stringMatching(/^Invalid elevation request: plannedActions: outside the role Ops, so the grant could never do them: iam:CreateUser \(.*\); ec2:TerminateInstances \(the ceiling denies/),
    });
    expect(aws.emails).toHaveLength(0);
    expect(aws.accessAnalyzer.calls()).toHaveLength(0);
    expect(aws.minted).toHaveLength(0);
  }, 180_000);
});
