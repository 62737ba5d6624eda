import type { ElevationRequest } from './elevation-request';
import { escapeHtml, headerSafe, utcText as utc } from './html';

export interface EmailMessage {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export interface ApprovalEmailInput {
  readonly request: ElevationRequest;
  readonly reviewUrl: string;
  readonly approvalDeadline: Date;
}

/**
 * The approver's email: HTML and plain text, every requester-supplied string escaped, one review link,
 * and the time the link stops working. The link only shows the request; deciding takes a POST from the
 * page, so a mail scanner that follows it changes nothing.
 */
export function renderApprovalEmail({ request, reviewUrl, approvalDeadline }: ApprovalEmailInput): EmailMessage {
  const minutes = `${request.minutes} min`;
  const subject = headerSafe(`Approve ${request.role} for ${minutes} in ${request.accountName}? (request ${request.requestId})`);
  const rows: Array<[string, string]> = [
    ['Account', `${request.accountName} (${request.accountId})`],
    ['Role', request.role],
    ['Duration', `${request.minutes} minutes`],
    ['Reason', request.reason],
    ...(request.requester ? ([['Requested by', request.requester]] as Array<[string, string]>) : []),
    ['Requested at', utc(request.requestedAt)],
    ['Link valid until', utc(approvalDeadline)],
  ];
  const planned = request.plannedActions;

  const text = [
    'An agent asks for elevated AWS access.',
    '',
    ...rows.map(([k, v]) => `${k}: ${v}`),
    ...(planned.length > 0 ? ['', 'Planned actions:', ...planned.map((a) => `  - ${a}`)] : []),
    '',
    `Review and decide: ${reviewUrl}`,
    '',
    'Opening the link does not approve anything; the page asks you to choose Approve or Deny.',
    'If you did not expect this request, deny it.',
  ].join('\n');

  const cell = 'padding:4px 12px 4px 0;vertical-align:top';
  const html = `<!doctype html>
<html><body style="font-family:-apple-system,Segoe UI,Roboto,sans-serif;font-size:15px;color:#111;max-width:560px">
<p>An agent asks for elevated AWS access.</p>
<table style="border-collapse:collapse">
${rows.map(([k, v]) => `<tr><th style="${cell};text-align:left;color:#555">${escapeHtml(k)}</th><td style="${cell};white-space:pre-wrap">${escapeHtml(v)}</td></tr>`).join('\n')}
</table>
${planned.length > 0 ? `<p><strong>Planned actions</strong></p><ul>${planned.map((a) => `<li>${escapeHtml(a)}</li>`).join('')}</ul>` : ''}
<p><a href="${escapeHtml(reviewUrl)}" style="display:inline-block;background:#0b5cad;color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none">Review request</a></p>
<p style="color:#555;font-size:13px">Opening the link does not approve anything; the page asks you to choose Approve or Deny. If you did not expect this request, deny it.</p>
</body></html>`;
  return { subject, html, text };
}
