import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { randomBytes } from 'node:crypto';
import { EventBridgePublisher } from '../../../handlers/adapters/aws/eventbridge-publisher';
import type { ApprovalPrompt } from '../../../handlers/core/slack-message';
import type { ChatNotifier, ChatRecipient, PostedPrompt } from '../../../handlers/ports/chat-notifier';
import { requestApproval } from '../../../handlers/use-cases/request-approval';
import { FakeAws } from '../../fakes/fake-aws';
import { ManualClock, REGION, approvalDeps, approvalSettings, linkIn, newRequest } from '../../helpers/approval-fixtures';

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
  let aws: FakeAws;
  beforeEach(() => {
    aws = new FakeAws(['222222222222', '333333333333']);
  });
  afterEach(() => aws.restore());

  async function ask(chat: ChatNotifier, approvers: string[]) {
    const base = approvalDeps(approvalSettings(approvers), new ManualClock());
    const request = newRequest();
    await base.store.create(request, base.clock.now());
    const result = await requestApproval(
      { taskToken: 'token-'.padEnd(40, 'x'), request },
      {
        ...base,
        publisher: new EventBridgePublisher(new EventBridgeClient({ region: REGION }), 'jit-broker'),
        random: { bytes: (n) => randomBytes(n) },
        reviewBaseUrl: 'https://approvals.example.test',
        chat,
      },
    );
    return { result, request };
  }

  it("puts each approver's own review link in their direct message only, and none in a channel", async () => {
    const chat = new RecordingChat([{ kind: 'direct', approver: 'b@example.com' }, { kind: 'channel' }]);

    const { result } = await ask(chat, ['a@example.com', 'b@example.com']);

    const linkOfB = linkIn(aws.emails.find((e) => e.to.includes('b@example.com'))?.text ?? '');
    expect(chat.prompts[0].prompt.reviewUrl).toBe(linkOfB);
    expect(chat.prompts[1].prompt.reviewUrl).toBeUndefined();
    expect(result.chat).toEqual({ posted: [{ channel: 'D00', ts: '1.0' }, { channel: 'D01', ts: '1.1' }] });
  });

  it('still emails every approver and parks the request when Slack fails', async () => {
    const failure = new Error('Slack chat.postMessage failed: invalid_auth');

    const { result, request } = await ask(new RecordingChat([{ kind: 'channel' }], failure), ['a@example.com']);

    expect(result.chat).toEqual({ failed: failure });
    expect(aws.emails.map((e) => e.to)).toEqual([['a@example.com']]);
    expect(aws.table.items.get(request.requestId)?.status).toBe('PENDING_APPROVAL');
    expect(aws.events.map((e) => e.detailType)).toEqual(['Elevation Pending Approval']);
  });
});
