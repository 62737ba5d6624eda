import type { EmailMessage } from './approval-email';
import type { ElevationRequest } from './elevation-request';
import { emailDocument, emailFacts } from './email-html';
import { headerSafe, html, utcText } from './html';

export interface ExpiryNoticeEmailInput {
  readonly request: ElevationRequest;
  readonly role: string;
  readonly expiresAt: string;
  readonly minutesLeft: number;
}

/**
 * The email the approvers of a grant get shortly before it expires (handlers/core/expiry-notice.ts): which
 * grant, when it ends, and what they can do about it. Every requester string is escaped by `html`.
 */
export function renderExpiryNoticeEmail({ request, role, expiresAt, minutesLeft }: ExpiryNoticeEmailInput): EmailMessage {
  const rows: Array<[string, string]> = [
    ['Account', `${request.accountName} (${request.accountId})`],
    ['Role', role],
    ['Expires at', utcText(expiresAt)],
    ['Time left', `about ${minutesLeft} minute${minutesLeft === 1 ? '' : 's'}`],
    ['Requested reason', request.reason],
    ...(request.requester ? ([['Requester', request.requester]] as Array<[string, string]>) : []),
  ];
  const subject = headerSafe(`Expiring in ${minutesLeft} min: ${role} in ${request.accountName} (request ${request.requestId})`);
  const closing = `The broker resets the credentials at the expiry; nothing is needed from you. To end it now: jit revoke ${request.requestId}. The agent may ask for more time (jit extend), which you would be asked to approve.`;
  const text = [`Request ${request.requestId} expires in about ${minutesLeft} minutes.`, '', ...rows.map(([k, v]) => `${k}: ${v}`), '', closing].join('\n');
  const body = emailDocument(html`<p>Request ${request.requestId} <strong>expires in about ${String(minutesLeft)} minutes</strong>.</p>
${emailFacts(rows)}
<p style="color:#555;font-size:13px">${closing}</p>`);
  return { subject, html: body, text };
}
