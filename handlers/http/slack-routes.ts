import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Verdict } from '../core/approval-decision';
import type { SlackSettings } from '../core/broker-settings';
import { type SlackPress, readSlackPress } from '../core/slack-interaction';
import { WINDOW_CLOSED, recordedPromptOutcome } from '../core/recorded-prompt-outcome';
import type { PromptOutcome } from '../core/slack-message';
import { MAX_SLACK_SKEW_SECONDS, verifySlackRequest } from '../core/slack-signature';
import type { ChatNotifier, PostedPrompt } from '../ports/chat-notifier';
import type { EventPublisher } from '../ports/event-publisher';
import type { ReplayGuard } from '../ports/replay-guard';
import { type DecideOutcome, type DecideRequestDeps, decideRequest } from '../use-cases/decide-request';
import type { ReviewLog } from './review-routes';

export interface SlackInteractionDeps extends DecideRequestDeps {
  readonly slack: SlackSettings;
  /** The app's signing secret, from the Slack secret in Secrets Manager. */
  readonly signingSecret: () => Promise<string>;
  readonly replays: ReplayGuard;
  readonly chat: ChatNotifier;
  readonly publisher: EventPublisher;
  /**
   * Hands an accepted press to the deciding side, to run after Slack has its answer: in Lambda, an
   * asynchronous Invoke of this same function (`decideSlackPress` then runs there). Resolves once queued.
   */
  readonly handOff: (press: SlackPress) => Promise<void>;
}

/** Slack ignores the body of a block_actions acknowledgement; an empty 200 is the whole answer. */
function acknowledge(): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '' };
}

function refuse(statusCode: number, text: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${text}\n` };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** What the pressed message becomes, and what only the presser is told, for each outcome of the decision. */
function answer(outcome: DecideOutcome): { settle?: PromptOutcome; tell?: string } {
  switch (outcome.kind) {
    case 'approved':
      return { settle: { kind: 'approved', approver: outcome.decision.approver, role: outcome.decision.role, minutes: outcome.decision.minutes, at: outcome.decision.decidedAt } };
    case 'denied':
      return { settle: { kind: 'denied', approver: outcome.denial.approver, at: outcome.denial.decidedAt } };
    case 'decided':
      // As the table records it, as every other copy is settled (a break-glass approval says so).
      return {
        settle: recordedPromptOutcome(outcome.request) ?? { kind: 'closed', why: 'Already decided.' },
        tell: 'This request was already decided; your press changed nothing.',
      };
    case 'expired':
      return { settle: WINDOW_CLOSED, tell: 'The approval window has closed; nothing changed.' };
    case 'closed':
      return { settle: { kind: 'closed', why: `Closed (${outcome.request.status}).` }, tell: 'This request is closed; nothing changed.' };
    case 'not-found':
      return { tell: 'No pending request by that id; nothing changed.' };
    case 'not-routed':
      return { tell: `You cannot decide this request: ${outcome.reason}. Nothing changed.` };
    case 'counted':
      // A Slack approval counts as one approver of the quorum; the prompt keeps its buttons for the others.
      return {
        tell: outcome.duplicate
          ? `You had already approved this request; counted once. ${outcome.approvals.length} of ${outcome.quorum} approvals so far.`
          : `Your approval is counted: ${outcome.approvals.length} of ${outcome.quorum}. Nothing is issued until the rest approve.`,
      };
    case 'invalid':
      return { tell: `Not approved: ${outcome.problems.join('; ')}. Use the review page to choose other terms.` };
    case 'unavailable':
      return { tell: 'The broker could not reach the workflow; nothing changed. Press the button again in a minute.' };
    case 'delivery-pending':
      // An earlier press claimed the decision and its delivery was interrupted; the next press delivers it.
      return { tell: 'This request was already decided, but the decision has not reached the workflow yet; nothing changed. Press the button again in a minute to deliver it.' };
  }
}

/**
 * `POST /slack/interactions`: Slack's request URL for button presses.
 *
 * In order, each refusal changing nothing: the signature and timestamp (Slack's `v0` scheme, at most five
 * minutes of skew), then a replay of the very same signed request (remembered until its timestamp could no
 * longer pass), then the payload (one Approve or Deny on a request id), then the presser (a Slack user id
 * mapped to a configured approver; anyone else is told privately and an `Elevation Approver Refused` event
 * is published). Those checks are cheap (a cached secret, one conditional PutItem); the press is then
 * handed off (`deps.handOff`) and Slack gets its 200 at once, since it shows an error when the answer takes
 * over 3 seconds and documents answering later through `response_url`. The deciding side
 * (`decideSlackPress`) goes through the same single-use claim as the review page and replaces every copy of
 * the prompt with the outcome (docs/slack.md#timing).
 *
 * @see https://api.slack.com/docs/verifying-requests-from-slack
 * @see https://docs.slack.dev/interactivity/handling-user-interaction
 */
export async function handleSlackInteraction(
  event: APIGatewayProxyEventV2,
  deps: SlackInteractionDeps,
  log: ReviewLog,
): Promise<APIGatewayProxyStructuredResultV2> {
  if (event.requestContext.http.method.toUpperCase() !== 'POST') return { ...refuse(405, 'Slack interactions are POSTed.'), headers: { Allow: 'POST' } };
  const rawBody = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));

  const verified = verifySlackRequest({ headers, rawBody }, await deps.signingSecret(), deps.clock.now());
  if (!verified.ok) {
    log.warn('slack request refused', { reason: verified.reason });
    return refuse(401, verified.reason === 'stale-timestamp' ? 'Request timestamp too far from now.' : 'Invalid Slack signature.');
  }
  const forgetAfter = new Date((verified.timestamp + MAX_SLACK_SKEW_SECONDS + 60) * 1000);
  if (!(await deps.replays.firstSighting(`slack:${verified.timestamp}:${verified.signature}`, forgetAfter))) {
    log.warn('slack request refused', { reason: 'replayed' });
    return refuse(409, 'This request was already received.');
  }

  const parsed = readSlackPress(rawBody, headers['content-type']);
  if (!parsed.ok) {
    log.warn('slack payload refused', { problem: parsed.problem });
    return refuse(400, `Not an approval button press: ${parsed.problem}.`);
  }
  const press = parsed.press;
  const approver = Object.hasOwn(deps.slack.users, press.slackUserId) ? deps.slack.users[press.slackUserId] : undefined;
  if (!approver) {
    log.warn('slack press by an unmapped user', { requestId: press.requestId, slackUserId: press.slackUserId });
    await Promise.allSettled([
      press.responseUrl && deps.chat.tellPrivately(press.responseUrl, 'You are not a configured approver for these requests; your press changed nothing.'),
      deps.publisher.publish({
        outcome: 'Approver Refused',
        detail: { requestId: press.requestId, channel: 'slack', slackUserId: press.slackUserId, reason: 'The Slack user is not mapped to a configured approver.' },
      }),
    ]);
    return acknowledge();
  }

  try {
    await deps.handOff(press);
  } catch (error) {
    log.warn('slack press not handed off', { requestId: press.requestId, errorName: errorName(error) });
    await Promise.allSettled([press.responseUrl && deps.chat.tellPrivately(press.responseUrl, 'The broker could not take your press; nothing changed. Press the button again in a minute.')]);
  }
  return acknowledge();
}

/**
 * The deciding side of a press, after Slack had its answer: maps the Slack user again (the settings are
 * the same; nothing from the hand-off is trusted for who decides), decides through the single-use claim,
 * updates every copy of the prompt with the outcome and tells the presser privately through
 * `response_url`. Never throws for a decision outcome; a Slack failure never undoes a decision.
 *
 * @see https://docs.slack.dev/interactivity/handling-user-interaction
 */
export async function decideSlackPress(press: SlackPress, deps: SlackInteractionDeps, log: ReviewLog): Promise<void> {
  const approver = Object.hasOwn(deps.slack.users, press.slackUserId) ? deps.slack.users[press.slackUserId] : undefined;
  if (!approver) {
    log.warn('slack press by an unmapped user', { requestId: press.requestId, slackUserId: press.slackUserId });
    return;
  }
  const verdict: Verdict = press.verdict === 'approve' ? { action: 'approve' } : { action: 'deny', reason: `Denied in Slack by ${approver}.` };
  const outcome = await decideRequest(press.requestId, { channel: 'slack', approver }, verdict, deps);
  log.info('slack decision', { requestId: press.requestId, outcome: outcome.kind });
  if ((outcome.kind === 'approved' || outcome.kind === 'denied') && !outcome.confirmation.sent) {
    log.warn('confirmation email not sent', { requestId: press.requestId, errorName: errorName(outcome.confirmation.error) });
  }
  await reply(press, outcome, deps, log);
}

/**
 * Every copy of the prompt posted for the request (each routed approver's direct message, or the channel
 * post), as recorded when it was posted, and the pressed one; each once.
 */
export function promptsOf(request: { readonly chatPrompts?: ReadonlyArray<{ channel: string; ts: string }> } | undefined, pressed: PostedPrompt | undefined): PostedPrompt[] {
  const all = [...(pressed ? [pressed] : []), ...(request?.chatPrompts ?? [])];
  return all.filter((p, i) => all.findIndex((q) => q.channel === p.channel && q.ts === p.ts) === i);
}

/**
 * Updates every posted copy of the prompt with the outcome (not only the pressed one) and tells the
 * presser what happened; a Slack failure never undoes a decision.
 */
async function reply(press: SlackPress, outcome: DecideOutcome, deps: SlackInteractionDeps, log: ReviewLog): Promise<void> {
  const { settle, tell } = answer(outcome);
  const request = 'request' in outcome ? outcome.request : undefined;
  const copies = settle && request ? promptsOf(request, press.message) : [];
  const results = await Promise.allSettled([
    ...copies.map((copy) => (settle && request ? deps.chat.settle(copy, request, settle) : undefined)),
    tell && press.responseUrl ? deps.chat.tellPrivately(press.responseUrl, tell) : undefined,
  ]);
  for (const result of results) {
    if (result.status === 'rejected') log.warn('slack reply failed', { requestId: press.requestId, errorName: errorName(result.reason) });
  }
}

/**
 * On a broker event after which the prompts may be out of date (`PROMPT_SETTLING_OUTCOMES`: a decision on the
 * review page, with `jit approve`/`deny`, by a rule or by break-glass, the window's end, an approved request
 * never issued; the stack's rule delivers them to the interactions function): the request is read again and
 * every copy recorded in `chatPrompts` is replaced by the outcome **the table records**, with no buttons.
 * The event says only which request; its content is never trusted for the outcome, so an event naming a
 * request still waiting changes nothing. Idempotent: a second delivery writes the same outcome again. A
 * Slack failure is logged; it never undoes anything and is not retried by the broker.
 */
export async function settleRecordedPrompts(requestId: string, deps: Pick<SlackInteractionDeps, 'store' | 'chat'>, log: ReviewLog, event: string): Promise<void> {
  const request = await deps.store.get(requestId);
  const outcome = request ? recordedPromptOutcome(request) : undefined;
  if (!request || !outcome) {
    log.warn('broker event for a request not decided; prompts left as they are', { requestId, event, status: request?.status });
    return;
  }
  const copies = promptsOf(request, undefined);
  const results = await Promise.allSettled(copies.map((copy) => deps.chat.settle(copy, request, outcome)));
  for (const result of results) {
    if (result.status === 'rejected') log.warn('slack prompt not settled', { requestId, event, errorName: errorName(result.reason) });
  }
  log.info('slack prompts settled', { requestId, event, outcome: outcome.kind, copies: copies.length });
}
