import { extensionLabel } from './grant-extension';
import type { ElevationRequest } from './elevation-request';
import { utcText } from './html';
import { APPROVAL_PROOFS_HEADING } from './policy-proofs';

/**
 * The approval prompt and its outcome as Slack Block Kit. Requester-supplied text (reason, requester,
 * planned actions) only ever goes into `plain_text` objects, which Slack shows as typed: no mrkdwn, no
 * links, no mentions, so a reason cannot fake a line or ping a channel.
 *
 * @see https://docs.slack.dev/messaging/creating-interactive-messages
 */

/** `action_id`s of the two buttons; the interaction route accepts these and nothing else. */
export const SLACK_ACTIONS = { approve: 'jit_approve', deny: 'jit_deny' } as const;
export type SlackVerdict = keyof typeof SLACK_ACTIONS;

/** Slack's limits on a plain_text object in a section field (2,000) and a header (150). */
const FIELD_MAX = 2000;
const HEADER_MAX = 150;

export interface PlainText {
  readonly type: 'plain_text';
  readonly text: string;
  readonly emoji?: boolean;
}

export interface SlackButton {
  readonly type: 'button';
  readonly action_id: string;
  readonly text: PlainText;
  readonly value: string;
  readonly style?: 'primary' | 'danger';
}

export interface SlackLinkButton {
  readonly type: 'button';
  readonly action_id: string;
  readonly text: PlainText;
  readonly url: string;
}

export type SlackBlock =
  | { readonly type: 'header'; readonly text: PlainText }
  | { readonly type: 'section'; readonly text?: PlainText; readonly fields?: readonly PlainText[] }
  | { readonly type: 'actions'; readonly block_id: string; readonly elements: readonly (SlackButton | SlackLinkButton)[] }
  | { readonly type: 'context'; readonly elements: readonly PlainText[] };

/** A message as chat.postMessage and chat.update take it: blocks plus the notification text. */
export interface SlackMessage {
  /** Shown in notifications and by clients that cannot render blocks. */
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

function plain(text: string, max = FIELD_MAX): PlainText {
  return { type: 'plain_text', text: text.length > max ? `${text.slice(0, max - 1)}…` : text, emoji: false };
}

export interface ApprovalPrompt {
  readonly request: ElevationRequest;
  readonly approvalDeadline: Date;
  /** The recipient's own review link, only in a direct message (a link decides as its owner). */
  readonly reviewUrl?: string;
  /** What the grant can do compared with the role (`grantScopeText`); omitted: not shown. */
  readonly scope?: readonly string[];
  /** Access Analyzer's checks of the session policy as requested (`describeProofs`); omitted: not shown. */
  readonly proofs?: readonly string[];
}

/** One line for notifications and the header: what is asked, where, for how long. */
function summary(request: Pick<ElevationRequest, 'role' | 'accountName' | 'minutes'>): string {
  return `${request.role} for ${request.minutes} min in ${request.accountName}`;
}

/** The prompt: what is asked, by whom and why, with Approve and Deny (and the review link in a DM). */
export function approvalPromptMessage({ request, approvalDeadline, reviewUrl, scope, proofs }: ApprovalPrompt): SlackMessage {
  const fields = [
    ...(request.extension ? [plain(extensionLabel(request.extension, request.minutes, new Date(request.requestedAt)))] : []),
    plain(`Account: ${request.accountName} (${request.accountId})`),
    plain(`Role: ${request.role}`),
    plain(`Duration: ${request.minutes} minutes`),
    plain(`Request: ${request.requestId}`),
    ...(request.requester ? [plain(`Requested by: ${request.requester}`)] : []),
    plain(`Decide before: ${utcText(approvalDeadline)}`),
  ];
  const planned = request.plannedActions;
  const buttons: Array<SlackButton | SlackLinkButton> = [
    { type: 'button', action_id: SLACK_ACTIONS.approve, text: plain('Approve'), style: 'primary', value: request.requestId },
    { type: 'button', action_id: SLACK_ACTIONS.deny, text: plain('Deny'), style: 'danger', value: request.requestId },
  ];
  if (reviewUrl) buttons.push({ type: 'button', action_id: 'jit_review', text: plain('Review page'), url: reviewUrl });
  return {
    text: `Approve ${summary(request)}? (request ${request.requestId})`,
    blocks: [
      { type: 'header', text: plain(`Approve ${summary(request)}?`, HEADER_MAX) },
      { type: 'section', fields },
      { type: 'section', text: plain(`Reason: ${request.reason}`) },
      ...(planned.length > 0 ? [{ type: 'section' as const, text: plain(`Planned actions:\n${planned.map((a) => `- ${a}`).join('\n')}`) }] : []),
      ...(scope ? [{ type: 'section' as const, text: plain(`What this grant can do:\n${scope.join('\n')}`) }] : []),
      ...(proofs ? [{ type: 'section' as const, text: plain(`${APPROVAL_PROOFS_HEADING}\n${proofs.join('\n')}`) }] : []),
      { type: 'actions', block_id: `jit_decide_${request.requestId}`, elements: buttons },
      {
        type: 'context',
        elements: [plain(reviewUrl ? 'Approve grants the requested role and minutes; to grant less, use the review page.' : 'Approve grants the requested role and minutes; to grant less, use the review link in your email.')],
      },
    ],
  };
}

/** What the prompt turns into once decided (or when a press could not decide): no buttons left. */
export type PromptOutcome =
  | {
      readonly kind: 'approved';
      readonly approver: string;
      readonly role: string;
      readonly minutes: number;
      readonly at: string;
      /** The requester approved their own request (docs/approvals.md#break-glass). */
      readonly breakGlass?: boolean;
    }
  | { readonly kind: 'denied'; readonly approver: string; readonly at: string }
  | { readonly kind: 'closed'; readonly why: string };

export function outcomeMessage(request: Pick<ElevationRequest, 'requestId' | 'role' | 'accountName' | 'minutes'>, outcome: PromptOutcome): SlackMessage {
  const headline =
    outcome.kind === 'approved'
      ? `Approved: ${outcome.role} for ${outcome.minutes} min in ${request.accountName}`
      : outcome.kind === 'denied'
        ? `Denied: ${summary(request)}`
        : `Closed: ${summary(request)}`;
  const detail =
    outcome.kind === 'closed'
      ? outcome.why
      : outcome.kind === 'approved' && outcome.breakGlass
        ? `Break-glass: approved by ${outcome.approver}, their own request, at ${utcText(outcome.at)}.`
        : `${outcome.kind === 'approved' ? 'Approved' : 'Denied'} by ${outcome.approver} at ${utcText(outcome.at)}.`;
  return {
    text: `${headline} (request ${request.requestId})`,
    blocks: [
      { type: 'header', text: plain(headline, HEADER_MAX) },
      { type: 'context', elements: [plain(`Request ${request.requestId}. ${detail}`)] },
    ],
  };
}
