import { z } from 'zod';
import { REQUEST_ID_PATTERN } from './elevation-request';
import { SLACK_ACTIONS, type SlackVerdict } from './slack-message';

/**
 * A button press as Slack delivers it: an `application/x-www-form-urlencoded` POST whose one field,
 * `payload`, is the JSON of a `block_actions` interaction. Only the fields the broker relies on are
 * read; the rest of Slack's payload is allowed and ignored.
 *
 * @see https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
 * @see https://docs.slack.dev/interactivity/handling-user-interaction
 */

/** Slack user ids: `U...` for people, `W...` for Enterprise Grid users. */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,20}$/;
/** Conversation ids: public or private channel (`C`), group (`G`) or direct message (`D`). */
export const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{2,20}$/;
const MESSAGE_TS = /^\d{1,12}\.\d{1,8}$/;

const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().regex(SLACK_USER_ID) }).loose(),
  container: z
    .object({ type: z.string(), channel_id: z.string().regex(SLACK_CHANNEL_ID).optional(), message_ts: z.string().regex(MESSAGE_TS).optional() })
    .loose()
    .optional(),
  channel: z.object({ id: z.string().regex(SLACK_CHANNEL_ID) }).loose().optional(),
  message: z.object({ ts: z.string().regex(MESSAGE_TS) }).loose().optional(),
  response_url: z.url({ protocol: /^https?$/ }).optional(),
  actions: z
    .array(z.object({ action_id: z.string(), value: z.string().optional() }).loose())
    .min(1),
}).loose();

/** One press of Approve or Deny on one request, with where its message is. */
export interface SlackPress {
  readonly slackUserId: string;
  readonly verdict: SlackVerdict;
  readonly requestId: string;
  /** The message the button is on, to update it with the outcome. */
  readonly message?: { readonly channel: string; readonly ts: string };
  readonly responseUrl?: string;
}

export type SlackPressParse = { readonly ok: true; readonly press: SlackPress } | { readonly ok: false; readonly problem: string };

const VERDICT_BY_ACTION = new Map<string, SlackVerdict>(Object.entries(SLACK_ACTIONS).map(([verdict, id]) => [id, verdict as SlackVerdict]));

/** Reads a signed interaction body. Anything but one Approve or Deny press on a well-formed request id is refused. */
export function readSlackPress(rawBody: Buffer, contentType: string | undefined): SlackPressParse {
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType ?? '')) return { ok: false, problem: 'expected a form-encoded body' };
  const payload = new URLSearchParams(rawBody.toString('utf8')).get('payload');
  if (!payload) return { ok: false, problem: 'no payload field' };
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { ok: false, problem: 'payload is not JSON' };
  }
  const parsed = blockActionsSchema.safeParse(json);
  if (!parsed.success) return { ok: false, problem: `not a block_actions payload: ${parsed.error.issues.map((i) => i.path.join('.') || i.message).join(', ')}` };
  const data = parsed.data;
  if (data.actions.length !== 1) return { ok: false, problem: 'expected exactly one action' };
  const action = data.actions[0];
  const verdict = VERDICT_BY_ACTION.get(action.action_id);
  if (!verdict) return { ok: false, problem: `unknown action ${action.action_id}` };
  if (!action.value || !REQUEST_ID_PATTERN.test(action.value)) return { ok: false, problem: 'the action names no valid request id' };
  const channel = data.container?.channel_id ?? data.channel?.id;
  const ts = data.container?.message_ts ?? data.message?.ts;
  return {
    ok: true,
    press: {
      slackUserId: data.user.id,
      verdict,
      requestId: action.value,
      ...(channel && ts ? { message: { channel, ts } } : {}),
      ...(data.response_url ? { responseUrl: data.response_url } : {}),
    },
  };
}

/** Marks the broker's own asynchronous hand-off of an accepted press (never an API Gateway event). */
export const SLACK_HAND_OFF_KIND = 'jit.slack-press';

/**
 * What the interactions function sends itself with an asynchronous Invoke once a press is verified, fresh,
 * not a replay, and by a mapped user: the press, to decide after Slack has had its 200. Read strictly;
 * the deciding side maps the Slack user again.
 */
export const slackHandOffSchema = z.strictObject({
  kind: z.literal(SLACK_HAND_OFF_KIND),
  press: z.strictObject({
    slackUserId: z.string().regex(SLACK_USER_ID),
    verdict: z.enum(['approve', 'deny'] as const satisfies readonly SlackVerdict[]),
    requestId: z.string().regex(REQUEST_ID_PATTERN),
    message: z.strictObject({ channel: z.string().regex(SLACK_CHANNEL_ID), ts: z.string().regex(MESSAGE_TS) }).optional(),
    responseUrl: z.url({ protocol: /^https?$/ }).optional(),
  }),
});

export type SlackHandOff = z.infer<typeof slackHandOffSchema>;

/** The hand-off of one press. */
export function slackHandOff(press: SlackPress): SlackHandOff {
  return { kind: SLACK_HAND_OFF_KIND, press };
}
