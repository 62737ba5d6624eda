import type { ChatAlerts } from '../../ports/chat-alerts';
import type { ElevationRequest } from '../../core/elevation-request';
import { type ApprovalPrompt, type PromptOutcome, type SlackMessage, approvalPromptMessage, outcomeMessage } from '../../core/slack-message';
import type { ChatAudience, ChatNotifier, ChatRecipient, PostedPrompt } from '../../ports/chat-notifier';

/** The Slack Web API's base URL; the sandbox points the broker at its stand-in instead. */
export const SLACK_API_URL = 'https://slack.com/api';

/** A Slack Web API call that did not succeed: HTTP error, or `ok: false` with Slack's error code. */
export class SlackApiError extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(`Slack ${method} failed: ${code}`, options);
    this.name = 'SlackApiError';
  }
}

/** Where the prompt goes: one channel, or each mapped approver's direct messages. */
export type SlackTarget =
  | { readonly channel: string; readonly direct?: never }
  | { readonly direct: ReadonlyArray<{ readonly slackUserId: string; readonly approver: string }>; readonly channel?: never };

export interface SlackChatNotifierOptions {
  /** The bot token (`xoxb-...`), read when needed so a rotated token is picked up. */
  readonly botToken: () => Promise<string>;
  readonly target: SlackTarget;
  /** @default https://slack.com/api */
  readonly apiUrl?: string;
  /** @default the global fetch */
  readonly fetch?: typeof fetch;
}

interface SlackResponse {
  readonly ok?: boolean;
  readonly error?: string;
  readonly channel?: string;
  readonly ts?: string;
}

/**
 * Posts approval prompts with the bot token (scope `chat:write`) and updates them with the outcome.
 * JSON bodies with the token in the `Authorization` header, as Slack recommends; Slack answers HTTP 200
 * with `ok: false` and an error code for most failures, and 429 with `Retry-After` when rate limited.
 *
 * @see https://api.slack.com/methods/chat.postMessage
 * @see https://docs.slack.dev/reference/methods/chat.update
 * @see https://docs.slack.dev/interactivity/handling-user-interaction
 */
export class SlackChatNotifier implements ChatNotifier, ChatAlerts {
  private readonly apiUrl: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: SlackChatNotifierOptions) {
    this.apiUrl = (options.apiUrl ?? SLACK_API_URL).replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async announce(prompt: (recipient: ChatRecipient) => ApprovalPrompt, to?: ChatAudience): Promise<readonly PostedPrompt[]> {
    const { target } = this.options;
    // A route's own channel wins; else the configured channel; else each routed approver's direct messages.
    const channel = to?.channel ?? target.channel;
    const routed = (approver: string): boolean => !to || to.approvers.some((a) => a.toLowerCase() === approver.toLowerCase());
    const copies: Array<{ channel: string; prompt: ApprovalPrompt }> =
      channel !== undefined
        ? [{ channel, prompt: prompt({ kind: 'channel' }) }]
        : // chat.postMessage to a user id posts in the app's direct messages with that user.
          (target.direct ?? [])
            .filter((person) => routed(person.approver))
            .map((person) => ({ channel: person.slackUserId, prompt: prompt({ kind: 'direct', approver: person.approver }) }));
    const posted: PostedPrompt[] = [];
    for (const copy of copies) {
      const response = await this.call('chat.postMessage', { channel: copy.channel, ...approvalPromptMessage(copy.prompt) });
      // chat.update needs the conversation id Slack answers with (a DM's `D...`), not the user id posted to.
      if (!response.channel || !response.ts) throw new SlackApiError('chat.postMessage', 'response without channel or ts');
      posted.push({ channel: response.channel, ts: response.ts });
    }
    return posted;
  }

  async settle(posted: PostedPrompt, request: Pick<ElevationRequest, 'requestId' | 'role' | 'accountName' | 'minutes'>, outcome: PromptOutcome): Promise<void> {
    await this.call('chat.update', { channel: posted.channel, ts: posted.ts, ...outcomeMessage(request, outcome) });
  }

  /** Posts an alert with no buttons (a break-glass approval) to the channel, or to every mapped approver's DMs. */
  async alert(message: SlackMessage): Promise<number> {
    const { target } = this.options;
    const channels = target.channel !== undefined ? [target.channel] : target.direct.map((person) => person.slackUserId);
    for (const channel of channels) await this.call('chat.postMessage', { channel, ...message });
    return channels.length;
  }

  async tellPrivately(responseUrl: string, text: string): Promise<void> {
    // A response_url takes a message without a token; `ephemeral` shows it to the presser only and
    // `replace_original: false` leaves the prompt as it is.
    const response = await this.fetch(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
    });
    if (!response.ok) throw new SlackApiError('response_url', `HTTP ${response.status}`);
  }

  private async call(method: string, body: Record<string, unknown>): Promise<SlackResponse> {
    const token = await this.options.botToken();
    const response = await this.fetch(`${this.apiUrl}/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
    });
    if (response.status === 429) throw new SlackApiError(method, `rate_limited (retry after ${response.headers.get('retry-after') ?? '?'} s)`);
    if (!response.ok) throw new SlackApiError(method, `HTTP ${response.status}`);
    const json = (await response.json()) as SlackResponse;
    if (json.ok !== true) throw new SlackApiError(method, json.error ?? 'unknown_error');
    return json;
  }
}
