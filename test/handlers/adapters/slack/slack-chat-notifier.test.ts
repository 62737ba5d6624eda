import { SlackApiError, SlackChatNotifier } from '../../../../handlers/adapters/slack/slack-chat-notifier';
import { FakeSlack } from '../../../fakes/fake-slack';
import { REVIEW_REQUEST, elevationRequest } from '../../../helpers/fixtures';
import { BOT_TOKEN } from '../../../helpers/slack-fixtures';

const slack = new FakeSlack(BOT_TOKEN);
beforeAll(() => slack.start());
afterAll(() => slack.stop());
beforeEach(() => {
  slack.calls.length = 0;
});

const DEADLINE = new Date('2026-12-01T10:30:00Z');

describe('Class: SlackChatNotifier', () => {
  it('posts one Block Kit prompt to the channel with the bot token, requester text only as plain text', async () => {
    // Prepare
    const chat = new SlackChatNotifier({ botToken: async () => BOT_TOKEN, target: { channel: 'C0APPROVALS' }, apiUrl: `${slack.url}/api` });
    const request = elevationRequest(REVIEW_REQUEST, { requestId: 'req-chat-0001', reason: 'Fix it <!channel> *now* <https://evil.example|approve>', plannedActions: ['ecs:UpdateService'] });

    // Act
    const posted = await chat.announce(() => ({ request, approvalDeadline: DEADLINE }));

    // Assess
    expect(posted).toEqual([{ channel: 'C0APPROVALS', ts: '1764633600.000001' }]);
    const [call] = slack.api('chat.postMessage');
    expect(call.method).toBe('POST');
    expect(call.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(call.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(call.body).toEqual({
      channel: 'C0APPROVALS',
      text: `Approve ${request.role} for ${request.minutes} min in ${request.accountName}? (request req-chat-0001)`,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: `Approve ${request.role} for ${request.minutes} min in ${request.accountName}?`, emoji: false } },
        {
          type: 'section',
          fields: [
            { type: 'plain_text', text: `Account: ${request.accountName} (${request.accountId})`, emoji: false },
            { type: 'plain_text', text: `Role: ${request.role}`, emoji: false },
            { type: 'plain_text', text: `Duration: ${request.minutes} minutes`, emoji: false },
            { type: 'plain_text', text: 'Request: req-chat-0001', emoji: false },
            ...(request.requester ? [{ type: 'plain_text', text: `Requested by: ${request.requester}`, emoji: false }] : []),
            { type: 'plain_text', text: 'Decide before: 2026-12-01 10:30:00 UTC', emoji: false },
          ],
        },
        { type: 'section', text: { type: 'plain_text', text: 'Reason: Fix it <!channel> *now* <https://evil.example|approve>', emoji: false } },
        { type: 'section', text: { type: 'plain_text', text: 'Planned actions:\n- ecs:UpdateService', emoji: false } },
        {
          type: 'actions',
          block_id: 'jit_decide_req-chat-0001',
          elements: [
            { type: 'button', action_id: 'jit_approve', text: { type: 'plain_text', text: 'Approve', emoji: false }, style: 'primary', value: 'req-chat-0001' },
            { type: 'button', action_id: 'jit_deny', text: { type: 'plain_text', text: 'Deny', emoji: false }, style: 'danger', value: 'req-chat-0001' },
          ],
        },
        {
          type: 'context',
          elements: [{ type: 'plain_text', text: 'Approve grants the requested role and minutes; to grant less, use the review link in your email.', emoji: false }],
        },
      ],
    });
  });

  it("sends each mapped approver a direct message with their own review link, and answers with the DM's conversation id", async () => {
    const chat = new SlackChatNotifier({
      botToken: async () => BOT_TOKEN,
      target: { direct: [{ slackUserId: 'U0ALICE001', approver: 'alice@example.com' }, { slackUserId: 'U0BOB00001', approver: 'bob@example.com' }] },
      apiUrl: `${slack.url}/api`,
    });
    const request = elevationRequest(REVIEW_REQUEST, { requestId: 'req-chat-0002' });

    const posted = await chat.announce((recipient) => ({
      request,
      approvalDeadline: DEADLINE,
      ...(recipient.kind === 'direct' ? { reviewUrl: `https://approvals.example.test/review/req-chat-0002?c=${recipient.approver}` } : {}),
    }));

    expect(posted.map((p) => p.channel)).toEqual(['D0ALICE001', 'D0BOB00001']);
    const calls = slack.api('chat.postMessage');
    expect(calls.map((c) => c.body.channel)).toEqual(['U0ALICE001', 'U0BOB00001']);
    const reviewButton = (call: (typeof calls)[number]) =>
      (call.body.blocks as Array<{ type: string; elements?: Array<{ url?: string }> }>).find((b) => b.type === 'actions')?.elements?.[2];
    expect(reviewButton(calls[0])).toEqual({
      type: 'button',
      action_id: 'jit_review',
      text: { type: 'plain_text', text: 'Review page', emoji: false },
      url: 'https://approvals.example.test/review/req-chat-0002?c=alice@example.com',
    });
    expect(reviewButton(calls[1])?.url).toContain('c=bob@example.com');
  });

  it('replaces a prompt with its outcome through chat.update, leaving no buttons', async () => {
    const chat = new SlackChatNotifier({ botToken: async () => BOT_TOKEN, target: { channel: 'C0APPROVALS' }, apiUrl: `${slack.url}/api/` });

    await chat.settle({ channel: 'C0APPROVALS', ts: '1764633600.000009' }, { requestId: 'req-chat-0003', role: 'Ops', accountName: 'prod', minutes: 15 }, {
      kind: 'approved',
      approver: 'alice@example.com',
      role: 'Ops',
      minutes: 5,
      at: '2026-12-01T10:05:00.000Z',
    });

    expect(slack.api('chat.update').map((c) => c.body)).toEqual([
      {
        channel: 'C0APPROVALS',
        ts: '1764633600.000009',
        text: 'Approved: Ops for 5 min in prod (request req-chat-0003)',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'Approved: Ops for 5 min in prod', emoji: false } },
          { type: 'context', elements: [{ type: 'plain_text', text: 'Request req-chat-0003. Approved by alice@example.com at 2026-12-01 10:05:00 UTC.', emoji: false }] },
        ],
      },
    ]);
  });

  it('answers privately through the response URL, without the token', async () => {
    const chat = new SlackChatNotifier({ botToken: async () => BOT_TOKEN, target: { channel: 'C0APPROVALS' }, apiUrl: `${slack.url}/api` });

    await chat.tellPrivately(`${slack.url}/respond/T0/1/abc`, 'Nothing changed.');

    const [call] = slack.responses();
    expect(call.headers.authorization).toBeUndefined();
    expect(call.body).toEqual({ response_type: 'ephemeral', replace_original: false, text: 'Nothing changed.' });
  });

  it("raises SlackApiError with Slack's error code when Slack answers ok: false", async () => {
    const chat = new SlackChatNotifier({ botToken: async () => 'xoxb-revoked-token', target: { channel: 'C0APPROVALS' }, apiUrl: `${slack.url}/api` });

    const posting = chat.announce(() => ({ request: elevationRequest(REVIEW_REQUEST), approvalDeadline: DEADLINE }));

    await expect(posting).rejects.toThrow(SlackApiError);
    await expect(chat.announce(() => ({ request: elevationRequest(REVIEW_REQUEST), approvalDeadline: DEADLINE }))).rejects.toThrow('Slack chat.postMessage failed: invalid_auth');
  });

  it('posts an alert, with no buttons, to every mapped approver\'s direct messages', async () => {
    // Prepare
    const chat = new SlackChatNotifier({
      botToken: async () => BOT_TOKEN,
      target: { direct: [{ slackUserId: 'U0ONCALL', approver: 'oncall@example.com' }, { slackUserId: 'U0LEAD', approver: 'security-lead@example.com' }] },
      apiUrl: `${slack.url}/api`,
    });
    const message = { text: 'BREAK-GLASS: test', blocks: [{ type: 'header' as const, text: { type: 'plain_text' as const, text: 'BREAK-GLASS: test', emoji: false } }] };

    // Act
    const copies = await chat.alert(message);

    // Assess
    expect(copies).toBe(2);
    expect(slack.api('chat.postMessage').map((c) => c.body)).toEqual([
      { channel: 'U0ONCALL', ...message },
      { channel: 'U0LEAD', ...message },
    ]);
  });
});
