import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PageRequest } from '../../../sandbox/http/server';
import { SlackStandIn } from '../../../sandbox/slack/slack-stand-in';
import { APPROVER_SLACK_ID, slackSection } from '../../helpers/slack-fixtures';

function call(path: string, body: unknown, headers: Record<string, string>, sourceIp = '127.0.0.1'): PageRequest {
  return { method: 'POST', path, query: new URLSearchParams(), headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: Buffer.from(JSON.stringify(body)), sourceIp };
}

describe('Sandbox: the Slack stand-in Web API', () => {
  let home: string;
  let slack: SlackStandIn;
  let token: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'jit-slack-stand-in-'));
    slack = new SlackStandIn(home, slackSection(), () => 'http://127.0.0.1:8787', () => new Date('2026-12-01T10:00:00Z'));
    token = (JSON.parse(slack.secretString) as { botToken: string }).botToken;
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('posts and updates as Slack answers: ok, channel, ts; a DM to a user id lands in a D conversation', async () => {
    const auth = { authorization: `Bearer ${token}` };

    const posted = await slack.handle(call('/slack/api/chat.postMessage', { channel: 'C0APPROVALS', text: 'hi', blocks: [] }, auth));
    const dm = await slack.handle(call('/slack/api/chat.postMessage', { channel: APPROVER_SLACK_ID, text: 'hi' }, auth));
    const { ts } = JSON.parse(String(posted?.body)) as { ts: string };
    const updated = await slack.handle(call('/slack/api/chat.update', { channel: 'C0APPROVALS', ts, text: 'done', blocks: [] }, auth));
    const missing = await slack.handle(call('/slack/api/chat.update', { channel: 'C0APPROVALS', ts: '1.000009', text: 'x' }, auth));

    expect(JSON.parse(String(posted?.body))).toMatchObject({ ok: true, channel: 'C0APPROVALS', ts: '1796119200.000001', message: { text: 'hi' } });
    expect(JSON.parse(String(dm?.body))).toMatchObject({ ok: true, channel: 'D0APPROVER1' });
    expect(JSON.parse(String(updated?.body))).toEqual({ ok: true, channel: 'C0APPROVALS', ts, text: 'done' });
    expect(JSON.parse(String(missing?.body))).toEqual({ ok: false, error: 'message_not_found' });
    expect(slack.messages().map((m) => m.text)).toEqual(['done', 'hi']);
  });

  it('wants the bot token, and answers loopback callers only', async () => {
    const wrong = await slack.handle(call('/slack/api/chat.postMessage', { channel: 'C0APPROVALS', text: 'hi' }, { authorization: 'Bearer xoxb-guess' }));
    const remote = await slack.handle(call('/slack/api/chat.postMessage', { channel: 'C0APPROVALS', text: 'hi' }, { authorization: `Bearer ${token}` }, '192.0.2.7'));
    const empty = await slack.handle(call('/slack/api/chat.postMessage', { channel: 'C0APPROVALS' }, { authorization: `Bearer ${token}` }));

    expect(JSON.parse(String(wrong?.body))).toEqual({ ok: false, error: 'invalid_auth' });
    expect(remote?.status).toBe(403);
    expect(JSON.parse(String(empty?.body))).toEqual({ ok: false, error: 'no_text' });
    expect(slack.messages()).toEqual([]);
  });

  it('keeps its credentials across restarts', () => {
    const again = new SlackStandIn(home, slackSection(), () => '', () => new Date());
    expect(again.secretString).toBe(slack.secretString);
  });
});
