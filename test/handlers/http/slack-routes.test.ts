import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../../../handlers/adapters/aws/eventbridge-publisher';
import type { SlackSettings } from '../../../handlers/core/broker-settings';
import { type SlackInteractionDeps, decideSlackPress, handleSlackInteraction, settleRecordedPrompts } from '../../../handlers/http/slack-routes';
import { decideRequest } from '../../../handlers/use-cases/decide-request';
import type { ChatNotifier } from '../../../handlers/ports/chat-notifier';
import { FakeAws } from '../../fakes/fake-aws';
import { InMemoryReplayGuard } from '../../fakes/ports/in-memory-replay-guard';
import { ManualClock, REGION, RecordingLog, approvalDeps, approvalSettings, pendingRequest } from '../../helpers/approval-fixtures';
import { APPROVER_SLACK_ID, SIGNING_SECRET, STRANGER_SLACK_ID, blockActionsPayload, formBody, slackEvent } from '../../helpers/slack-fixtures';

class RecordingChat implements ChatNotifier {
  readonly settled: unknown[] = [];
  readonly settledWhere: unknown[] = [];
  readonly told: string[] = [];
  async announce() {
    return [];
  }
  async settle(posted: unknown, _request: unknown, outcome: unknown) {
    this.settled.push(outcome);
    this.settledWhere.push(posted);
  }
  async tellPrivately(_url: string, text: string) {
    this.told.push(text);
  }
}

const SLACK: SlackSettings = { postTo: 'C0APPROVALS', secretName: 'jit/slack', users: { [APPROVER_SLACK_ID]: 'security-lead@example.com' } };

describe('Route: POST /slack/interactions', () => {
  let aws: FakeAws;
  let clock: ManualClock;
  let deps: SlackInteractionDeps;
  let chat: RecordingChat;
  let log: RecordingLog;
  beforeEach(() => {
    aws = new FakeAws(['222222222222', '333333333333']);
    clock = new ManualClock();
    chat = new RecordingChat();
    log = new RecordingLog();
    deps = {
      ...approvalDeps({ ...approvalSettings(), slack: SLACK }, clock),
      slack: SLACK,
      signingSecret: async () => SIGNING_SECRET,
      replays: new InMemoryReplayGuard(() => clock.now()),
      chat,
      publisher: new EventBridgePublisher(new EventBridgeClient({ region: REGION }), 'jit-broker'),
      // The deciding side, run here as soon as the press is handed off (the function runs it later, in
      // its own asynchronous invocation: test/workflows/approval-through-slack.test.ts).
      handOff: (press) => decideSlackPress(press, deps, log),
    };
  });
  afterEach(() => aws.restore());

  const now = () => Math.floor(clock.now().getTime() / 1000);

  it('refuses what is not one Approve or Deny press with 400, changing nothing', async () => {
    // Prepare
    const pending = await pendingRequest(aws, deps);
    const id = pending.request.requestId;
    const bodies = [
      formBody({ ...blockActionsPayload({ requestId: id }), type: 'view_submission' }),
      formBody(blockActionsPayload({ requestId: id, actionId: 'jit_review' })),
      formBody(blockActionsPayload({ requestId: '../../etc' })),
      formBody({ ...blockActionsPayload({ requestId: id }), actions: [] }),
      'payload=%7Bnot-json',
      JSON.stringify(blockActionsPayload({ requestId: id })),
    ];

    // Act
    const answers = [];
    for (const body of bodies) answers.push(await handleSlackInteraction(slackEvent(body, { timestamp: now() }), deps, log));

    // Assess
    expect(answers.map((a) => a.statusCode)).toEqual([400, 400, 400, 400, 400, 400]);
    expect(answers[1].body).toBe('Not an approval button press: unknown action jit_review.\n');
    expect(aws.table.items.get(id)?.status).toBe('PENDING_APPROVAL');
    expect(aws.sfn.calls()).toHaveLength(0);
  });

  it('answers GET with 405 and checks the signature before reading the body', async () => {
    const get = slackEvent('', { timestamp: now() });
    const unsigned = slackEvent('payload=%7Bnot-json', { timestamp: now(), signature: `v0=${'0'.repeat(64)}` });

    expect((await handleSlackInteraction({ ...get, requestContext: { ...get.requestContext, http: { ...get.requestContext.http, method: 'GET' } } }, deps, log)).statusCode).toBe(405);
    expect(await handleSlackInteraction(unsigned, deps, log)).toMatchObject({ statusCode: 401, body: 'Invalid Slack signature.\n' });
    expect(log.lines).toEqual([{ level: 'warn', message: 'slack request refused', fields: { reason: 'bad-signature' } }]);
  });

  it('refuses an unmapped Slack user privately, with an event, and decides nothing', async () => {
    const pending = await pendingRequest(aws, deps);
    const id = pending.request.requestId;

    const answer = await handleSlackInteraction(slackEvent(formBody(blockActionsPayload({ requestId: id, userId: STRANGER_SLACK_ID })), { timestamp: now() }), deps, log);

    expect(answer).toMatchObject({ statusCode: 200, body: '' });
    expect(chat.told).toEqual(['You are not a configured approver for these requests; your press changed nothing.']);
    expect(aws.events.at(-1)).toMatchObject({ detailType: 'Elevation Approver Refused', detail: { requestId: id, slackUserId: STRANGER_SLACK_ID } });
    expect(aws.table.items.get(id)?.status).toBe('PENDING_APPROVAL');
    expect(aws.sfn.calls()).toHaveLength(0);
  });

  it('does not take a user id that only matches an inherited property name as an approver', async () => {
    const pending = await pendingRequest(aws, deps);
    const withProto: SlackInteractionDeps = { ...deps, slack: { ...SLACK, users: Object.assign(Object.create({ U0PROTO001: 'security-lead@example.com' }) as Record<string, string>, SLACK.users) } };

    await handleSlackInteraction(slackEvent(formBody(blockActionsPayload({ requestId: pending.request.requestId, userId: 'U0PROTO001' })), { timestamp: now() }), withProto, log);

    expect(aws.table.items.get(pending.request.requestId)?.status).toBe('PENDING_APPROVAL');
  });

  it('counts a Slack approval as one approver of a quorum, refuses an approver the request is not routed to, and updates every posted copy at the decision', async () => {
    // Prepare: Ops needs two of the lead and sec-b; sec-c is an approver of other requests only.
    const users = { [APPROVER_SLACK_ID]: 'security-lead@example.com', U0SECB0001: 'sec-b@example.com', U0SECC0001: 'sec-c@example.com' };
    const slack: SlackSettings = { ...SLACK, postTo: 'direct', users };
    const settings = {
      ...approvalSettings(['security-lead@example.com', 'sec-b@example.com', 'sec-c@example.com']),
      approvalRoutes: [{ role: 'Ops', approvers: ['security-lead@example.com', 'sec-b@example.com'], quorum: 2 }, { approvers: ['sec-c@example.com'] }],
      slack,
    };
    deps = { ...deps, ...approvalDeps(settings, clock), slack };
    const pending = await pendingRequest(aws, deps);
    const id = pending.request.requestId;
    await deps.store.recordChatPrompts(id, [{ channel: 'D0LEAD', ts: '1.1' }, { channel: 'D0SECB', ts: '2.2' }], clock.now());
    const pressBy = (userId: string, ts: string, channel: string) => (
      // A second, separately signed press (the same signed request twice is a replay).
      clock.advance(1000),
      handleSlackInteraction(slackEvent(formBody(blockActionsPayload({ requestId: id, userId, ts, channel })), { timestamp: now() }), deps, log)
    );

    // Act
    await pressBy('U0SECC0001', '9.9', 'D0SECC');
    await pressBy(APPROVER_SLACK_ID, '1.1', 'D0LEAD');
    await pressBy(APPROVER_SLACK_ID, '1.1', 'D0LEAD');
    const settledBeforeQuorum = chat.settled.length;
    await pressBy('U0SECB0001', '2.2', 'D0SECB');

    // Assess
    expect(pending.links).toHaveLength(2);
    expect(chat.told[0]).toMatch(/^You cannot decide this request: request req-review-0001 \(Ops in prod\) is routed to security-lead@example.com, sec-b@example.com, not to sec-c@example.com/);
    expect(chat.told[1]).toBe('Your approval is counted: 1 of 2. Nothing is issued until the rest approve.');
    expect(chat.told[2]).toBe('You had already approved this request; counted once. 1 of 2 approvals so far.');
    expect(settledBeforeQuorum).toBe(0);
    expect(chat.settledWhere).toEqual([
      { channel: 'D0SECB', ts: '2.2' },
      { channel: 'D0LEAD', ts: '1.1' },
    ]);
    expect(await pending.answer).toMatchObject({
      approver: 'sec-b@example.com',
      channel: 'slack',
      approvers: [
        { approver: 'security-lead@example.com', channel: 'slack' },
        { approver: 'sec-b@example.com', channel: 'slack' },
      ],
    });
  });

  it('settles every recorded copy after a decision made elsewhere; a Slack failure on one copy is logged and changes nothing else', async () => {
    // Prepare: two posted copies, the request denied with jit deny; Slack refuses the first update.
    const pending = await pendingRequest(aws, deps);
    const id = pending.request.requestId;
    await deps.store.recordChatPrompts(id, [{ channel: 'D0LEAD', ts: '1.1' }, { channel: 'D0SECB', ts: '2.2' }], clock.now());
    await decideRequest(id, { channel: 'cli', approver: 'security-lead@example.com' }, { action: 'deny', reason: 'Use the pipeline' }, deps);
    await pending.answer.catch(() => undefined);
    const failing: SlackInteractionDeps = {
      ...deps,
      chat: {
        ...chat,
        announce: () => chat.announce(),
        tellPrivately: (url, text) => chat.tellPrivately(url, text),
        settle: async (posted, request, outcome) => {
          if (posted.channel === 'D0LEAD') throw Object.assign(new Error('message_not_found'), { name: 'SlackApiError' });
          await chat.settle(posted, request, outcome);
        },
      },
    };

    // Act
    await settleRecordedPrompts(id, failing, log, 'Elevation Denied');

    // Assess
    expect(chat.settledWhere).toEqual([{ channel: 'D0SECB', ts: '2.2' }]);
    expect(chat.settled).toEqual([{ kind: 'denied', approver: 'security-lead@example.com', at: expect.any(String) }]);
    expect(log.lines).toContainEqual({ level: 'warn', message: 'slack prompt not settled', fields: { requestId: id, event: 'Elevation Denied', errorName: 'SlackApiError' } });
    expect(aws.table.items.get(id)).toMatchObject({ status: 'DENIED', denial: { approver: 'security-lead@example.com', channel: 'cli' } });
  });
});
