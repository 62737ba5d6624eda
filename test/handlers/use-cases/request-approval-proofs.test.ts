import { AccessAnalyzerClient, CheckAccessNotGrantedCommand, CheckNoNewAccessCommand, ValidatePolicyCommand } from '@aws-sdk/client-accessanalyzer';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AccessAnalyzerPolicyProver } from '../../../handlers/adapters/aws/access-analyzer-policy-prover';
import { NEVER_EVEN_ELEVATED } from '../../../handlers/core/deny-list';
import { reviewPage } from '../../../handlers/core/review-pages';
import { requestView } from '../../../handlers/core/request-view';
import { grantSessionPolicy, planOf } from '../../../handlers/core/session-policy';
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
    // Prepare: Access Analyzer finds nothing wrong with the policy, but says it grants a deny-listed action.
    analyzer.on(ValidatePolicyCommand).resolves({ findings: [] });
    analyzer.on(CheckAccessNotGrantedCommand).resolves({ result: 'FAIL', message: 'The policy document grants access to perform one or more of the listed actions.' });
    const prover = new AccessAnalyzerPolicyProver(new AccessAnalyzerClient({ region: 'eu-west-1' }));

    // Act
    const { approval, chat, request, clock } = await ask(prover);

    // Assess: the policy proved is the one the mint builds for the requested minutes, regions and plan.
    const plan = planOf(request);
    const expected = grantSessionPolicy({
      expiresAt: new Date(clock.now().getTime() + request.minutes * 60_000),
      regions: approval.deps.settings.auditRegions,
      ...(plan ? { plan } : {}),
    }).json;
    expect(analyzer.commandCalls(ValidatePolicyCommand)[0]?.args[0].input).toMatchObject({ policyDocument: expected, policyType: 'IDENTITY_POLICY' });
    expect(analyzer.commandCalls(CheckAccessNotGrantedCommand)[0]?.args[0].input.access).toEqual([{ actions: [...NEVER_EVEN_ELEVATED] }]);
    // A scoped plan without the role's policy at hand: no-new-access is not proven, and not asked.
    expect(analyzer).toHaveReceivedCommandTimes(CheckNoNewAccessCommand, 0);

    const record = await approval.store.get(request.requestId);
    expect(record?.approvalProofs).toMatchObject({
      verdict: 'failed',
      reason: 'access-not-granted failed',
      checks: [
        { check: 'validate-policy', status: 'pass' },
        { check: 'no-new-access', status: 'not-proven' },
        { check: 'access-not-granted', status: 'fail' },
      ],
    });

    const email = approval.mailer.sent[0];
    expect(email.text).toContain(
      [
        'IAM Access Analyzer on the session policy as requested (the mint proves the granted policy again):',
        '  Proofs: failed (access-not-granted failed)',
        '  PASS validate-policy (session policy): 0 finding(s), none an error or security warning',
        "  NOT PROVEN no-new-access (session policy vs role policy): the role's policy is not available to the mint",
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
  });
});
