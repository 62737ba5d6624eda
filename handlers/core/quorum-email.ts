import type { EmailMessage } from './approval-email';
import type { QuorumApproval } from './approval-quorum';
import type { ElevationRequest } from './elevation-request';
import { emailDocument, emailFacts } from './email-html';
import { headerSafe, html, utcText } from './html';

/**
 * The note the request's approvers get when an approval is counted towards a quorum that is not reached
 * yet: who approved, how many of how many, and that nothing is issued until the rest approve. Their own
 * links stay valid.
 */
export function renderQuorumProgressEmail(request: ElevationRequest, approval: QuorumApproval, approvals: readonly QuorumApproval[], quorum: number): EmailMessage {
  const missing = quorum - approvals.length;
  const rows: Array<[string, string]> = [
    ['Account', `${request.accountName} (${request.accountId})`],
    ['Role', approval.role],
    ['Requested reason', request.reason],
    ['Approvals', `${approvals.length} of ${quorum} needed`],
    ...approvals.map((a, i): [string, string] => [`Approval ${i + 1}`, `${a.approver}, ${a.minutes} minutes, ${utcText(a.decidedAt)}`]),
  ];
  const subject = headerSafe(`Approved ${approvals.length} of ${quorum}: ${approval.role} in ${request.accountName} (request ${request.requestId})`);
  const closing = `Nothing is issued until ${missing} more approver${missing === 1 ? '' : 's'} approve${missing === 1 ? 's' : ''}; one denial ends the request. Your own link still works.`;
  const text = [`${approval.approver} approved request ${request.requestId}.`, '', ...rows.map(([k, v]) => `${k}: ${v}`), '', closing].join('\n');
  const body = emailDocument(html`<p><strong>${approval.approver}</strong> approved request ${request.requestId}.</p>
${emailFacts(rows)}
<p style="color:#555;font-size:13px">${closing}</p>`);
  return { subject, html: body, text };
}
