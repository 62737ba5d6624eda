import { AccessAnalyzerClient, CheckAccessNotGrantedCommand, CheckNoNewAccessCommand, ValidatePolicyCommand } from '@aws-sdk/client-accessanalyzer';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AccessAnalyzerPolicyProver } from '../../../handlers/adapters/aws/access-analyzer-policy-prover';
import { NEVER_EVEN_ELEVATED } from '../../../handlers/core/deny-list';
import { reviewPage } from '../../../handlers/core/review-pages';
import { requestView } from '../../../handlers/core/request-view';
import { requestSessionPolicy } from '../../../handlers/core/request-session-policy';
import { rolePermissionsOf } from '../../../handlers/core/role-permissions';
import { type ApprovalPrompt, approvalPromptMessage } from '../../../handlers/core/slack-message';
import type { ChatNotifier, PostedPrompt } from '../../../handlers/ports/chat-notifier';
import type { PolicyProver } from '../../../handlers/ports/policy-prover';
import { listPending } from '../../../handlers/use-cases/list-pending';
import { requestApproval } from '../../../handlers/use-cases/request-approval';
import { ManualClock, approvalSettings, inMemoryApproval } from '../../helpers/approval-fixtures';
import { REVIEW_REQUEST, elevationRequest } from '../../helpers/fixtures';

/** A chat that keeps the prompt it was asked to post to one channel. */
class RecordingChat implements ChatNotifier {
  readonly prompts: ApprovalPrompt[] = [];
  async announce(prompt: (recipient: { kind: 'channel' }) => ApprovalPrompt): Promise<readonly PostedPrompt[]> {
    this.prompts.push(prompt({ kind: 'channel' }));
    return [{ channel: 'C01', ts: '1.0' }];
  }
  async settle(): Promise<void> {}
  async tellPrivately(): Promise<void> {}
}

describe('Use case: requestApproval proves the session policy as requested, for the approvers', () => {
  const analyzer = mockClient(AccessAnalyzerClient);
  afterEach(() => analyzer.reset());
  afterAll(() => analyzer.restore());

  async function ask(prover: PolicyProver | undefined) {
    const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
    const approval = inMemoryApproval(approvalSettings(['a@example.com']), clock);
    const request = elevationRequest(REVIEW_REQUEST);
    await approval.store.create(request, clock.now());
    const chat = new RecordingChat();
    await requestApproval({ taskToken: 'token-'.padEnd(40, 'x'), request }, { ...approval.deps, chat, ...(prover ? { prover } : {}) });
    return { approval, chat, request, clock };
  }

  it('puts each PASS and FAIL in the email, the Slack prompt, the review page and jit pending, and stores them with the approval', async () => {
    // Prepare: Access Analyzer finds nothing wrong with the policy and no access beyond the role's, but says
    // it grants a deny-listed action.
    analyzer.on(ValidatePolicyCommand).resolves({ findings: [] });
    analyzer.on(CheckNoNewAccessCommand).resolves({ result: 'PASS', message: 'The modified permissions grant no new access compared to your existing policy.' });
    analyzer.on(CheckAccessNotGrantedCommand).resolves({ result: 'FAIL', message: 'The policy document grants access to perform one or more of the listed actions.' });
    const prover = new AccessAnalyzerPolicyProver(new AccessAnalyzerClient({ region: 'eu-west-1' }));

    // Act
    const { approval, chat, request, clock } = await ask(prover);

    // Assess: the policy proved is the one the mint builds for the requested minutes, regions and plan.
    const expected = requestSessionPolicy(request, approval.deps.settings, { expiresAt: new Date(clock.now().getTime() + request.minutes * 60_000), now: clock.now() }).json;
    expect(analyzer.commandCalls(ValidatePolicyCommand)[0]?.args[0].input).toMatchObject({ policyDocument: expected, policyType: 'IDENTITY_POLICY' });
    expect(analyzer.commandCalls(CheckAccessNotGrantedCommand)[0]?.args[0].input.access).toEqual([{ actions: [...NEVER_EVEN_ELEVATED] }]);
    // A scoped plan, compared with the role's merged permissions policy (its policy file and the ceiling's deny list).
    expect(analyzer).toHaveReceivedCommandTimes(CheckNoNewAccessCommand, 1);
    expect(analyzer.commandCalls(CheckNoNewAccessCommand)[0]?.args[0].input).toEqual({
      newPolicyDocument: expected,
      existingPolicyDocument: rolePermissionsOf(approval.deps.settings, 'Ops')?.json,
      policyType: 'IDENTITY_POLICY',
    });

    const record = await approval.store.get(request.requestId);
    expect(record?.approvalProofs).toMatchObject({
      verdict: 'failed',
      reason: 'access-not-granted failed',
      checks: [
        { check: 'validate-policy', status: 'pass' },
        { check: 'no-new-access', status: 'pass' },
        { check: 'access-not-granted', status: 'fail' },
      ],
    });
    // The event carries each check's status too, for subscribers that post it elsewhere.
    expect(approval.publisher.events.find((e) => e.outcome === 'Pending Approval')?.detail.approvalProofs).toEqual({
      verdict: 'failed',
      checks: [
        { check: 'validate-policy', subject: 'session policy', status: 'pass' },
        { check: 'no-new-access', subject: 'session policy vs role policy', status: 'pass' },
        { check: 'access-not-granted', subject: NEVER_EVEN_ELEVATED.join(', '), status: 'fail' },
      ],
    });

    const email = approval.mailer.sent[0];
    expect(email.text).toContain(
      [
        'IAM Access Analyzer on the session policy as requested (the mint proves the granted policy again):',
        '  Proofs: failed (access-not-granted failed)',
        '  PASS validate-policy (session policy): 0 finding(s), none an error or security warning',
        '  PASS no-new-access (session policy vs role policy): The modified permissions grant no new access compared to your existing policy.',
        `  FAIL access-not-granted (${NEVER_EVEN_ELEVATED.join(', ').slice(0, 40)}`,
      ].join('\n'),
    );
    expect(email.html).toContain('<li>PASS validate-policy (session policy): 0 finding(s), none an error or security warning</li>');
    expect(email.html).toContain('<li>FAIL access-not-granted (');

    expect(chat.prompts[0]?.proofs?.[0]).toBe('Proofs: failed (access-not-granted failed)');
    const slackText = JSON.stringify(approvalPromptMessage(chat.prompts[0]!).blocks);
    expect(slackText).toContain('PASS validate-policy');
    expect(slackText).toContain('FAIL access-not-granted');

    // Shown again from the record, without asking Access Analyzer again.
    analyzer.reset();
    const page = reviewPage({ request: requestView(record!), approver: 'a@example.com', roles: [], capability: 'c' });
    expect(page.html).toContain('<li>PASS validate-policy (session policy): 0 finding(s), none an error or security warning</li>');
    expect(page.html).toContain('<li>FAIL access-not-granted (');
    const [pending] = await listPending({ store: approval.store, clock, approver: 'a@example.com', settings: approval.deps.settings });
    expect(pending?.proofs?.slice(0, 2)).toEqual(['Proofs: failed (access-not-granted failed)', 'PASS validate-policy (session policy): 0 finding(s), none an error or security warning']);
    expect(analyzer.calls()).toHaveLength(0);
  });

  it('a retried approval request publishes Elevation Pending Approval again with the proofs stored by the first', async () => {
    // Prepare
    analyzer.on(ValidatePolicyCommand).resolves({ findings: [] });
    analyzer.on(CheckNoNewAccessCommand).resolves({ result: 'PASS', message: 'no new access' });
    analyzer.on(CheckAccessNotGrantedCommand).resolves({ result: 'PASS', message: 'not granted' });
    const prover = new AccessAnalyzerPolicyProver(new AccessAnalyzerClient({ region: 'eu-west-1' }));
    const { approval, request } = await ask(prover);
    analyzer.reset();

    // Act: Step Functions runs the task again (a lost answer), with a new token
    await requestApproval({ taskToken: 'token-2-'.padEnd(40, 'y'), request }, { ...approval.deps, prover });

    // Assess: nobody mailed again, nothing asked again, and both events carry the same proofs
    const pending = approval.publisher.events.filter((e) => e.outcome === 'Pending Approval');
    expect(pending).toHaveLength(2);
    expect(approval.mailer.sent).toHaveLength(1);
    expect(analyzer.calls()).toHaveLength(0);
    expect(pending[1]?.detail.approvalProofs).toEqual(pending[0]?.detail.approvalProofs);
    expect(pending[1]?.detail.approvalProofs).toMatchObject({ verdict: 'proven' });
  });

  it.each([
    ['without a prover', undefined],
    ['where Access Analyzer cannot be reached (the sandbox)', 'unreachable'],
  ] as const)('says not proven, never proven, %s', async (_name, mode) => {
    // Prepare
    analyzer.onAnyCommand().rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { name: 'Error' }));
    const prover = mode ? new AccessAnalyzerPolicyProver(new AccessAnalyzerClient({ region: 'eu-west-1', maxAttempts: 1 })) : undefined;

    // Act
    const { approval, chat, request } = await ask(prover);

    // Assess
    const record = await approval.store.get(request.requestId);
    expect(record?.approvalProofs?.verdict).toBe('not proven');
    expect(record?.approvalProofs?.checks.map((c) => c.status)).toEqual(['not-proven', 'not-proven', 'not-proven']);
    const email = approval.mailer.sent[0];
    expect(email.text).toMatch(/^ {2}Proofs: not proven \(/m);
    expect(email.text).not.toMatch(/Proofs: proven|^ {2}PASS /m);
    expect(chat.prompts[0]?.proofs?.[0]).toMatch(/^Proofs: not proven/);
    expect(approval.publisher.events.find((e) => e.outcome === 'Pending Approval')?.detail.approvalProofs).toMatchObject({ verdict: 'not proven' });
  });
});
