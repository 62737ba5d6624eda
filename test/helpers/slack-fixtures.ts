import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { slackSignature } from '../../handlers/core/slack-signature';
import type { LoadedConfig } from '../../infra/config/load-config';
import type { SlackConfig } from '../../infra/config/jit-config';
import { exampleConfig } from './synth';

export const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
export const BOT_TOKEN = 'xoxb-1111111111-2222222222-abcdefghijklmnopqrstuvwx';
export const SLACK_SECRET_NAME = 'jit/slack';
/** The example config's approver, as a Slack user. */
export const APPROVER_SLACK_ID = 'U0APPROVER1';
export const STRANGER_SLACK_ID = 'U0STRANGER9';
export const SLACK_CHANNEL = 'C0APPROVALS';

export function slackSection(overrides: Partial<SlackConfig> = {}): SlackConfig {
  return { postTo: SLACK_CHANNEL, secretName: SLACK_SECRET_NAME, users: { [APPROVER_SLACK_ID]: 'security-lead@example.com' }, ...overrides };
}

/** The example config with Slack approvals switched on. */
export function slackConfig(overrides: Partial<SlackConfig> = {}): LoadedConfig {
  const example = exampleConfig();
  return { ...example, config: { ...example.config, approval: { ...example.config.approval, slack: slackSection(overrides) } } };
}

export function slackSecretString(): string {
  return JSON.stringify({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN });
}

export interface PressOptions {
  readonly userId?: string;
  readonly actionId?: string;
  readonly requestId: string;
  readonly channel?: string;
  readonly ts?: string;
  readonly responseUrl?: string;
}

/**
 * A `block_actions` payload in the shape Slack documents for a button in a message, trimmed of fields
 * the broker does not read but keeping Slack's nesting (user, container, channel, message, actions).
 *
 * @see https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
 */
export function blockActionsPayload(o: PressOptions): Record<string, unknown> {
  const channel = o.channel ?? SLACK_CHANNEL;
  const ts = o.ts ?? '1764633600.000001';
  return {
    type: 'block_actions',
    user: { id: o.userId ?? APPROVER_SLACK_ID, username: 'lead', name: 'lead', team_id: 'T0TEAM0001' },
    api_app_id: 'A0APP00001',
    token: 'legacy-verification-token-not-used',
    container: { type: 'message', message_ts: ts, channel_id: channel, is_ephemeral: false },
    trigger_id: '1234567890123.1234567890123.abcdef0123456789abcdef0123456789',
    team: { id: 'T0TEAM0001', domain: 'example' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel, name: 'approvals' },
    message: { type: 'message', ts, text: 'Approve Ops?', bot_id: 'B0BOT00001' },
    state: { values: {} },
    response_url: o.responseUrl ?? 'https://hooks.slack.com/actions/T0TEAM0001/1/abc',
    actions: [
      {
        action_id: o.actionId ?? 'jit_approve',
        block_id: `jit_decide_${o.requestId}`,
        text: { type: 'plain_text', text: 'Approve', emoji: false },
        value: o.requestId,
        style: 'primary',
        type: 'button',
        action_ts: '1764633601.123456',
      },
    ],
  };
}

/** The form body Slack POSTs: one field, `payload`, holding the JSON. */
export function formBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface SignedEventOptions {
  readonly timestamp: number;
  readonly secret?: string;
  /** Overrides the computed signature. */
  readonly signature?: string;
}

/** An HTTP API (payload 2.0) event for `POST /slack/interactions`, signed as Slack signs it. */
export function slackEvent(body: string, o: SignedEventOptions): APIGatewayProxyEventV2 {
  const timestamp = String(o.timestamp);
  const signature = o.signature ?? slackSignature(o.secret ?? SIGNING_SECRET, timestamp, body);
  return {
    version: '2.0',
    routeKey: 'POST /slack/interactions',
    rawPath: '/slack/interactions',
    rawQueryString: '',
    headers: {
      host: 'approvals.example.test',
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
    },
    requestContext: {
      accountId: '111111111111',
      apiId: 'api',
      domainName: 'approvals.example.test',
      domainPrefix: 'approvals',
      http: { method: 'POST', path: '/slack/interactions', protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'Slackbot' },
      requestId: 'r',
      routeKey: 'POST /slack/interactions',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    body: Buffer.from(body, 'utf8').toString('base64'),
    isBase64Encoded: true,
  };
}
