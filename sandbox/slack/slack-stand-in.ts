import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { SlackSettings } from '../../handlers/core/broker-settings';
import { type SafeHtml, html, trustedHtml } from '../../handlers/core/html';
import type { SlackBlock } from '../../handlers/core/slack-message';
import { SLACK_SIGNATURE_HEADER, SLACK_TIMESTAMP_HEADER, slackSignature } from '../../handlers/core/slack-signature';
import type { AwsResponse } from '../http/aws-call';
import type { PageRequest } from '../http/server';
import { JsonFile } from '../store/json-file';

/** Where the stand-in serves Slack's Web API, its response URLs and its page. */
export const SLACK_STAND_IN = { api: '/slack/api/', respond: '/slack/respond/', page: '/slack', press: '/slack/press' } as const;
/** The broker's interactivity route, as on the deployed approval API. */
export const SLACK_INTERACTIONS_ROUTE = '/slack/interactions';
/** A Slack user the config does not map, to try a refused press. */
export const STRANGER_SLACK_USER = 'U0STRANGER1';

export interface StandInMessage {
  readonly channel: string;
  readonly ts: string;
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
  readonly postedAt: string;
  readonly updatedAt?: string;
  /** Ephemeral replies through the message's response URL: shown to one user only. */
  readonly ephemeral: ReadonlyArray<{ readonly user: string; readonly text: string; readonly at: string }>;
}

interface StandInState {
  credentials?: { signingSecret: string; botToken: string };
  messages: StandInMessage[];
  /** Response URL id -> the message and the user who pressed. */
  responseUrls: Record<string, { channel: string; ts: string; user: string }>;
}

function json(value: unknown, status = 200): AwsResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: JSON.stringify(value) };
}

function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
}

/** The stand-in page's stylesheet: a constant of the program, the one markup put in unescaped. */
const STAND_IN_STYLE =
  'body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:44rem;padding:0 1rem;color:#1d1c1d}.msg{border:1px solid #ddd;border-radius:8px;padding:.75rem 1rem;margin:1rem 0}' +
  '.meta{color:#616061;font-size:13px}.fields{display:grid;grid-template-columns:1fr 1fr;gap:.25rem 1rem}.pre{white-space:pre-wrap}h3{margin:.25rem 0 .5rem}' +
  '.actions{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center;margin:.5rem 0}button,a.btn{font:inherit;border:1px solid #bbb;border-radius:4px;padding:.3rem .8rem;background:#fff;cursor:pointer;color:#1d1c1d;text-decoration:none}' +
  'button.primary{background:#007a5a;color:#fff;border-color:#007a5a}button.danger{background:#e01e5a;color:#fff;border-color:#e01e5a}.ctx{color:#616061;font-size:13px}.eph{background:#f8f8f8;border-left:3px solid #1264a3;padding:.25rem .5rem;margin-top:.5rem;font-size:14px}';

/**
 * A local Slack workspace for the sandbox: the part of Slack's Web API the broker calls
 * (`chat.postMessage`, `chat.update`, with Slack's documented request and response shapes and its
 * `ok: false` errors), response URLs, and a page that shows each posted message with its buttons.
 * Pressing one sends the broker's route a `block_actions` payload signed with the signing secret, as
 * Slack does; the page picks which Slack user presses, including one the config does not map. The API
 * answers loopback callers only and wants the bot token, as Slack wants it.
 *
 * @see https://api.slack.com/methods/chat.postMessage
 * @see https://docs.slack.dev/reference/methods/chat.update
 * @see https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
 * @see https://api.slack.com/docs/verifying-requests-from-slack
 */
export class SlackStandIn {
  private readonly state: JsonFile<StandInState>;

  constructor(
    home: string,
    private readonly settings: SlackSettings,
    private readonly baseUrl: () => string,
    private readonly now: () => Date,
  ) {
    this.state = new JsonFile<StandInState>(join(home, 'slack.json'), () => ({ messages: [], responseUrls: {} }));
    if (!this.state.get().credentials) {
      this.state.update((s) => {
        s.credentials = { signingSecret: randomBytes(16).toString('hex'), botToken: `xoxb-sandbox-${randomBytes(12).toString('hex')}` };
      });
    }
  }

  /** The value of the Slack secret the broker reads (`approval.slack.secretName`). */
  get secretString(): string {
    return JSON.stringify(this.credentials());
  }

  messages(): readonly StandInMessage[] {
    return this.state.get().messages;
  }

  /** Serves the stand-in's paths; undefined for any other path. */
  async handle(request: PageRequest): Promise<AwsResponse | undefined> {
    if (request.path.startsWith(SLACK_STAND_IN.api)) return this.api(request);
    if (request.path.startsWith(SLACK_STAND_IN.respond)) return this.respond(request);
    if (request.path === SLACK_STAND_IN.press && request.method === 'POST') return this.press(request);
    if (request.path === SLACK_STAND_IN.page && (request.method === 'GET' || request.method === 'HEAD')) return this.page();
    return undefined;
  }

  private credentials(): { signingSecret: string; botToken: string } {
    const credentials = this.state.get().credentials;
    if (!credentials) throw new Error('The Slack stand-in has no credentials.');
    return credentials;
  }

  private api(request: PageRequest): AwsResponse {
    if (!isLoopback(request.sourceIp)) return json({ ok: false, error: 'not_allowed' }, 403);
    if (request.method !== 'POST') return json({ ok: false, error: 'method_not_supported_for_channel_type' }, 405);
    if (request.headers.authorization !== `Bearer ${this.credentials().botToken}`) return json({ ok: false, error: 'invalid_auth' });
    let body: Record<string, unknown>;
    try {
      body = (request.headers['content-type'] ?? '').startsWith('application/json')
        ? (JSON.parse(request.body.toString('utf8')) as Record<string, unknown>)
        : Object.fromEntries(new URLSearchParams(request.body.toString('utf8')));
    } catch {
      return json({ ok: false, error: 'invalid_json' });
    }
    const method = request.path.slice(SLACK_STAND_IN.api.length);
    const channel = typeof body.channel === 'string' ? body.channel : '';
    const blocks = typeof body.blocks === 'string' ? (JSON.parse(body.blocks) as SlackBlock[]) : ((body.blocks as SlackBlock[] | undefined) ?? []);
    const text = typeof body.text === 'string' ? body.text : '';
    if (!channel) return json({ ok: false, error: 'channel_not_found' });
    if (!text && blocks.length === 0) return json({ ok: false, error: 'no_text' });
    if (method === 'chat.postMessage') {
      // A user id opens (or reuses) the app's direct messages with that user: a `D...` conversation.
      const conversation = /^[UW]/.test(channel) ? `D${channel.slice(1)}` : channel;
      const ts = this.nextTs();
      const message: StandInMessage = { channel: conversation, ts, text, blocks, postedAt: this.now().toISOString(), ephemeral: [] };
      this.state.update((s) => void s.messages.push(message));
      return json({ ok: true, channel: conversation, ts, message: { type: 'message', text, blocks, ts, bot_id: 'B0SANDBOX1' } });
    }
    if (method === 'chat.update') {
      const ts = String(body.ts ?? '');
      const found = this.state.update((s) => {
        const index = s.messages.findIndex((m) => m.channel === channel && m.ts === ts);
        if (index < 0) return false;
        s.messages[index] = { ...s.messages[index], text, blocks, updatedAt: this.now().toISOString() };
        return true;
      });
      return found ? json({ ok: true, channel, ts, text }) : json({ ok: false, error: 'message_not_found' });
    }
    return json({ ok: false, error: 'unknown_method' });
  }

  private nextTs(): string {
    const seconds = Math.floor(this.now().getTime() / 1000);
    const count = this.state.get().messages.length + 1;
    return `${seconds}.${String(count).padStart(6, '0')}`;
  }

  private respond(request: PageRequest): AwsResponse {
    if (!isLoopback(request.sourceIp) || request.method !== 'POST') return json({ ok: false, error: 'not_allowed' }, 403);
    const id = request.path.slice(SLACK_STAND_IN.respond.length);
    const target = this.state.get().responseUrls[id];
    if (!target) return json({ ok: false, error: 'expired_url' }, 404);
    let body: { text?: unknown; response_type?: unknown };
    try {
      body = JSON.parse(request.body.toString('utf8')) as typeof body;
    } catch {
      return json({ ok: false, error: 'invalid_json' }, 400);
    }
    if (body.response_type === 'ephemeral' && typeof body.text === 'string') {
      const reply = { user: target.user, text: body.text, at: this.now().toISOString() };
      this.state.update((s) => {
        const message = s.messages.find((m) => m.channel === target.channel && m.ts === target.ts);
        if (message) s.messages[s.messages.indexOf(message)] = { ...message, ephemeral: [...message.ephemeral, reply] };
      });
    }
    return json({ ok: true });
  }

  /** A button press on the page, sent to the broker as Slack would send it. */
  private async press(request: PageRequest): Promise<AwsResponse> {
    const form = new URLSearchParams(request.body.toString('utf8'));
    const [channel, ts, actionId, user] = ['channel', 'ts', 'action', 'user'].map((k) => form.get(k) ?? '');
    const message = this.state.get().messages.find((m) => m.channel === channel && m.ts === ts);
    const button = message?.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : [])).find((e) => e.action_id === actionId && 'value' in e);
    if (!message || !button || !('value' in button)) return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'No such button.\n' };
    const responseId = randomBytes(12).toString('hex');
    this.state.update((s) => {
      s.responseUrls[responseId] = { channel, ts, user };
    });
    const payload = {
      type: 'block_actions',
      user: { id: user, username: user.toLowerCase(), team_id: 'T0SANDBOX1' },
      api_app_id: 'A0SANDBOX1',
      container: { type: 'message', message_ts: ts, channel_id: channel, is_ephemeral: false },
      trigger_id: `${Date.now()}.${randomBytes(6).toString('hex')}`,
      team: { id: 'T0SANDBOX1', domain: 'sandbox' },
      channel: { id: channel, name: channel.startsWith('D') ? 'directmessage' : 'approvals' },
      message: { type: 'message', ts, text: message.text },
      response_url: `${this.baseUrl()}${SLACK_STAND_IN.respond}${responseId}`,
      actions: [{ type: 'button', action_id: actionId, block_id: (message.blocks.find((b) => b.type === 'actions') as { block_id?: string } | undefined)?.block_id, value: button.value, action_ts: `${Math.floor(this.now().getTime() / 1000)}.000001` }],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const timestamp = String(Math.floor(this.now().getTime() / 1000));
    const response = await fetch(`${this.baseUrl()}${SLACK_INTERACTIONS_ROUTE}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots) jit-sandbox',
        [SLACK_TIMESTAMP_HEADER]: timestamp,
        [SLACK_SIGNATURE_HEADER]: slackSignature(this.credentials().signingSecret, timestamp, body),
      },
      body,
    });
    const answer = await response.text();
    // Slack shows a press that was not answered with 200 as failed; so does the page.
    const note = response.status === 200 ? '' : `?failed=${encodeURIComponent(`${response.status} ${answer.trim()}`)}`;
    return { status: 303, headers: { location: `${SLACK_STAND_IN.page}${note}`, 'cache-control': 'no-store' }, body: '' };
  }

  private page(): AwsResponse {
    const people = [...Object.entries(this.settings.users).map(([id, approver]) => ({ id, label: `${id} (${approver})` })), { id: STRANGER_SLACK_USER, label: `${STRANGER_SLACK_USER} (not an approver)` }];
    const messages = [...this.messages()].reverse();
    const rendered = messages.map((m) => this.renderMessage(m, people));
    const markup = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Slack stand-in</title><style>${trustedHtml(STAND_IN_STYLE)}</style></head><body><h1>Slack stand-in</h1><p class="meta">Messages the broker posted with <code>chat.postMessage</code> (and updated with <code>chat.update</code>), newest first. A button sends the broker's <code>${SLACK_INTERACTIONS_ROUTE}</code> a <code>block_actions</code> payload signed with the app's signing secret, as Slack does. Posting to ${this.settings.postTo === 'direct' ? 'direct messages' : this.settings.postTo}.</p>${
      rendered.length > 0 ? rendered : html`<p>No message yet.</p>`
    }<p class="meta"><a href="/">sandbox</a> · <a href="/outbox">outbox</a> · <a href="/events">events</a></p></body></html>`;
    return {
      status: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      },
      body: String(markup),
    };
  }

  private renderMessage(m: StandInMessage, people: ReadonlyArray<{ id: string; label: string }>): SafeHtml {
    const blocks = m.blocks.map((b): SafeHtml => {
      switch (b.type) {
        case 'header':
          return html`<h3>${b.text.text}</h3>`;
        case 'section':
          return html`${b.text ? html`<div class="pre">${b.text.text}</div>` : ''}${b.fields ? html`<div class="fields">${b.fields.map((f) => html`<div>${f.text}</div>`)}</div>` : ''}`;
        case 'context':
          return html`<div class="ctx">${b.elements.map((e) => e.text).join(' ')}</div>`;
        case 'actions': {
          const hasPress = b.elements.some((e) => 'value' in e);
          const select = html`<label class="meta">press as <select name="user">${people.map((p) => html`<option value="${p.id}">${p.label}</option>`)}</select></label>`;
          const buttons = b.elements.map((e) =>
            'value' in e
              ? html`<button type="submit" name="action" value="${e.action_id}" class="${e.style ?? ''}">${e.text.text}</button>`
              : html`<a class="btn" href="${e.url}">${e.text.text}</a>`,
          );
          return html`<form method="post" action="${SLACK_STAND_IN.press}" class="actions"><input type="hidden" name="channel" value="${m.channel}"><input type="hidden" name="ts" value="${m.ts}">${buttons}${hasPress ? select : ''}</form>`;
        }
      }
    });
    const ephemeral = m.ephemeral.map((e) => html`<div class="eph"><strong>Only visible to ${e.user}:</strong> ${e.text}</div>`);
    return html`<div class="msg" data-ts="${m.ts}"><div class="meta">#${m.channel} · ${m.postedAt}${m.updatedAt ? html` · edited ${m.updatedAt}` : ''}</div>${blocks}${ephemeral}</div>`;
  }
}
