import type { ApprovalDecision } from './approval-decision';
import type { EmailMessage } from './approval-email';
import type { BreakGlassMark } from './break-glass';
import type { ElevationRequest } from './elevation-request';
import { emailDocument, emailFacts } from './email-html';
import { headerSafe, html, utcText } from './html';

/**
 * The alert every approver gets the moment a requester breaks glass: who approved their own request,
 * for what, why, and that an approver other than them must acknowledge it (`jit ack`).
 */
export function renderBreakGlassAlert(request: ElevationRequest, decision: ApprovalDecision & { readonly breakGlass: BreakGlassMark }): EmailMessage {
  const rows: Array<[string, string]> = [
    ['Account', `${request.accountName} (${request.accountId})`],
    ['Role', decision.role],
    ['Duration', `${decision.minutes} minutes (break-glass maximum ${decision.breakGlass.maxMinutes})`],
    ['Operator', decision.approver],
    ...(decision.principal ? ([['IAM identity', decision.principal]] as Array<[string, string]>) : []),
    ['Break-glass reason', decision.breakGlass.reason],
    ['Requested reason', request.reason],
    ['Approved at', utcText(decision.decidedAt)],
  ];
  const subject = headerSafe(`BREAK-GLASS: ${decision.approver} approved their own ${decision.role} in ${request.accountName} (request ${request.requestId})`);
  const closing = `Review it, then acknowledge it: jit ack ${request.requestId} (any approver other than ${decision.approver}).`;
  const text = [`Break-glass: request ${request.requestId} was approved by its own requester.`, '', ...rows.map(([k, v]) => `${k}: ${v}`), '', closing].join('\n');
  const body = emailDocument(html`<p><strong>Break-glass</strong>: request ${request.requestId} was approved by its own requester.</p>
${emailFacts(rows)}
<p>${closing}</p>`);
  return { subject, html: body, text };
}
