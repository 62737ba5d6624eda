import type { ApprovalDecision } from './approval-decision';
import type { BreakGlassMark } from './break-glass';
import type { ElevationRequest } from './elevation-request';
import { utcText } from './html';
import type { PlainText, SlackMessage } from './slack-message';

/**
 * Slack's limits, as slack-message.ts keeps them: 2,000 characters for a section field (3,000 for a
 * section's text), 150 for a header. @see https://api.slack.com/reference/block-kit/blocks#section
 */
const TEXT_MAX = 2000;
const HEADER_MAX = 150;

function plain(text: string, max = TEXT_MAX): PlainText {
  return { type: 'plain_text', text: text.length > max ? `${text.slice(0, max - 1)}…` : text, emoji: false };
}

/**
 * The break-glass alert as a Slack message: no buttons (the request is decided), the operator's reason only
 * as `plain_text`, which Slack shows as typed (no mentions, no links). The notification text holds only
 * configured names: the operator is a configured approver, the role and account come from the config.
 */
export function breakGlassSlackMessage(request: ElevationRequest, decision: ApprovalDecision & { readonly breakGlass: BreakGlassMark }): SlackMessage {
  const headline = `BREAK-GLASS: ${decision.approver} approved their own ${decision.role} in ${request.accountName}`;
  return {
    text: `${headline} (request ${request.requestId})`,
    blocks: [
      { type: 'header', text: plain(headline, HEADER_MAX) },
      {
        type: 'section',
        fields: [
          plain(`Account: ${request.accountName} (${request.accountId})`),
          plain(`Role: ${decision.role}`),
          plain(`Duration: ${decision.minutes} minutes (break-glass maximum ${decision.breakGlass.maxMinutes})`),
          plain(`Request: ${request.requestId}`),
          plain(`Approved at: ${utcText(decision.decidedAt)}`),
        ],
      },
      { type: 'section', text: plain(`Break-glass reason: ${decision.breakGlass.reason}`) },
      { type: 'context', elements: [plain(`Review it, then acknowledge it: jit ack ${request.requestId} (any approver other than ${decision.approver}).`)] },
    ],
  };
}
