import type { ApprovalDecision, DecisionChannel, Denial } from './approval-decision';
import type { EmailMessage } from './approval-email';
import type { ElevationRequest } from './elevation-request';
import { emailDocument, emailFacts } from './email-html';
import { headerSafe, html, utcText } from './html';

export type ConfirmedDecision = { readonly approved: ApprovalDecision } | { readonly denied: Denial };

const CHANNEL_TEXT: Readonly<Record<DecisionChannel, string>> = { web: 'the review page', cli: 'the jit CLI', slack: 'Slack', rule: 'a rule of approval.rules, without a human' };

/**
 * The short email every approver gets once a decision reached the workflow: who decided what, when and
 * how. It tells the other approvers their link is spent, and the decider that it counted.
 */
export function renderConfirmationEmail(request: ElevationRequest, confirmed: ConfirmedDecision): EmailMessage {
  const rows: Array<[string, string]> = [['Account', `${request.accountName} (${request.accountId})`]];
  let verb: string;
  let who: { approver: string; decidedAt: string; channel?: DecisionChannel };
  if ('approved' in confirmed) {
    const d = confirmed.approved;
    verb = 'Approved';
    who = d;
    rows.push(['Role', d.role], ['Duration', `${d.minutes} minutes`]);
    if (d.note) rows.push(['Note', d.note]);
    // A quorum: every approver, in order (approval-quorum.ts).
    (d.approvers ?? []).forEach((a, i) => rows.push([`Approver ${i + 1}`, `${a.approver}, ${utcText(a.decidedAt)}, ${CHANNEL_TEXT[a.channel]}`]));
  } else {
    const d = confirmed.denied;
    verb = 'Denied';
    who = d;
    rows.push(['Role', request.role], ['Requested', `${request.minutes} minutes`], ['Reason', d.reason || '(none given)']);
  }
  rows.push(
    ['Requested reason', request.reason],
    [`${verb} by`, who.approver],
    [`${verb} at`, utcText(who.decidedAt)],
    ['Through', CHANNEL_TEXT[who.channel ?? 'web']],
  );
  const subject = headerSafe(
    `${verb}: ${'approved' in confirmed ? confirmed.approved.role : request.role} in ${request.accountName} (request ${request.requestId})`,
  );
  const closing =
    'approved' in confirmed
      ? 'The broker now issues the credentials; their time box starts when they are issued.'
      : 'Nothing was issued.';
  const text = [`${verb}: request ${request.requestId}.`, '', ...rows.map(([k, v]) => `${k}: ${v}`), '', closing].join('\n');
  const body = emailDocument(html`<p><strong>${verb}</strong>: request ${request.requestId}.</p>
${emailFacts(rows)}
<p style="color:#555;font-size:13px">${closing}</p>`);
  return { subject, html: body, text };
}
