import type { ApprovalPrompt } from '../../../handlers/core/slack-message';
import type { ChatNotifier, ChatRecipient, PostedPrompt } from '../../../handlers/ports/chat-notifier';
import { requestApproval } from '../../../handlers/use-cases/request-approval';
import { ManualClock, approvalSettings, inMemoryApproval, linkIn } from '../../helpers/approval-fixtures';
import { REVIEW_REQUEST, elevationRequest } from '../../helpers/fixtures';

/** A chat that records what it was asked to post, to each recipient. */
class RecordingChat implements ChatNotifier {
  readonly prompts: Array<{ recipient: ChatRecipient; prompt: ApprovalPrompt }> = [];
  constructor(
    private readonly recipients: readonly ChatRecipient[],
    private readonly failure?: Error,
  ) {}
  async announce(prompt: (recipient: ChatRecipient) => ApprovalPrompt): Promise<readonly PostedPrompt[]> {
    if (this.failure) throw this.failure;
    for (const recipient of this.recipients) this.prompts.push({ recipient, prompt: prompt(recipient) });
    return this.recipients.map((_, i) => ({ channel: `D0${i}`, ts: `1.${i}` }));
  }
  async settle(): Promise<void> {}
  async tellPrivately(): Promise<void> {}
}

describe('Use case: requestApproval with a chat', () => {
  async function ask(chat: ChatNotifier, approvers: string[]) {
    const approval = inMemoryApproval(approvalSettings(approvers), new ManualClock());
    const request = elevationRequest(REVIEW_REQUEST);
    await approval.store.create(request, approval.deps.clock.now());
    const result = await requestApproval({ taskToken: 'token-'.padEnd(40, 'x'), request }, { ...approval.deps, chat });
    return { approval, result, request };
  }

  it("puts each approver's own review link in their direct message only, and none in a channel", async () => {
    // Prepare
    const chat = new RecordingChat([{ kind: 'direct', approver: 'b@example.com' }, { kind: 'channel' }]);

    // Act
    const { approval, result } = await ask(chat, ['a@example.com', 'b@example.com']);

    // Assess
    const linkOfB = linkIn(approval.mailer.sent.find((e) => e.to.includes('b@example.com'))?.text ?? '');
    expect(chat.prompts[0].prompt.reviewUrl).toBe(linkOfB);
    expect(chat.prompts[1].prompt.reviewUrl).toBeUndefined();
    expect(result.chat).toEqual({ posted: [{ channel: 'D00', ts: '1.0' }, { channel: 'D01', ts: '1.1' }] });
  });

  it('shows, in the email and the Slack prompt, what the grant can do against the role, evaluated from their policies', async () => {
    // Prepare: a plan of one IAM action (logs:GetLogEvents) and one line of free text.
    const chat = new RecordingChat([{ kind: 'channel' }]);

    // Act
    const { approval } = await ask(chat, ['a@example.com']);

    // Assess
    const scope = chat.prompts[0].prompt.scope ?? [];
    expect(scope[0]).toBe("Scoped to the plan: 1 of the role's 20 permissions kept, 19 removed.");
    expect(scope).toContain('Can: logs:GetLogEvents');
    expect(scope.find((l) => l.startsWith('Cannot (the role could):'))).toContain('ecs:UpdateService');
    const email = approval.mailer.sent[0];
    expect(email.text).toContain("What this grant can do (the role versus the grant):\n  Scoped to the plan: 1 of the role's 20 permissions kept, 19 removed.");
    expect(email.html).toContain('<li>Can: logs:GetLogEvents</li>');
  });

  it('tells the approver when a request is unscoped', async () => {
    // Prepare
    const chat = new RecordingChat([{ kind: 'channel' }]);
    const approval = inMemoryApproval(approvalSettings(['a@example.com']), new ManualClock());
    const request = elevationRequest({ ...REVIEW_REQUEST, plannedActions: [] });
    await approval.store.create(request, approval.deps.clock.now());

    // Act
    await requestApproval({ taskToken: 'token-'.padEnd(40, 'x'), request }, { ...approval.deps, chat });

    // Assess
    expect(chat.prompts[0].prompt.scope?.[0]).toBe('UNSCOPED: no IAM actions were planned, so the grant can do everything the role can.');
    expect(approval.mailer.sent[0].text).toContain('UNSCOPED: no IAM actions were planned');
  });

  it('still emails every approver and parks the request when Slack fails', async () => {
    // Prepare
    const failure = new Error('Slack chat.postMessage failed: invalid_auth');

    // Act
    const { approval, result, request } = await ask(new RecordingChat([{ kind: 'channel' }], failure), ['a@example.com']);

    // Assess
    expect(result.chat).toEqual({ failed: failure });
    expect(approval.mailer.sent.map((e) => e.to)).toEqual([['a@example.com']]);
    expect((await approval.store.get(request.requestId))?.status).toBe('PENDING_APPROVAL');
    expect(approval.publisher.events.map((e) => e.outcome)).toEqual(['Pending Approval']);
  });
});
