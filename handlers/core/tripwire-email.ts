import type { EmailMessage } from './approval-email';
import { emailDocument, emailFacts } from './email-html';
import { headerSafe, html, utcText } from './html';
import type { RequestRecord } from './request-record';
import type { Trip } from './tripwire';

/**
 * The alert every approver gets when a tripwire ends a grant: which grant, which call, which rule, and
 * what the broker did. Every value is escaped by the `html` tag (CloudTrail's fields and the request's
 * reason come from outside the broker).
 */
export function renderTripwireEmail(request: RequestRecord, trip: Trip, revokedAt: string): EmailMessage {
  const rows: Array<[string, string]> = [
    ['Account', `${request.accountName} (${request.accountId})`],
    ['Role', request.grant?.role ?? request.role],
    ['Requested reason', request.reason],
    ['Rule', trip.rule],
    ['Call', trip.call.iamAction],
    ['Result', trip.call.errorCode ?? 'Success'],
    ['Call time', utcText(trip.call.eventTime)],
    ['CloudTrail event', trip.call.eventId],
    ['Revoked at', utcText(revokedAt)],
  ];
  const subject = headerSafe(`Tripwire: grant ${request.requestId} in ${request.accountName} revoked (${trip.rule})`);
  const closing =
    'The secret was reset and the grant’s source identity is denied on the role, so copies of the credentials stop working within minutes (IAM applies the deny eventually). The audit report names the call.';
  const text = [`Tripwire: the grant of request ${request.requestId} was revoked.`, trip.reason, '', ...rows.map(([k, v]) => `${k}: ${v}`), '', closing].join('\n');
  const body = emailDocument(html`<p><strong>Tripwire</strong>: the grant of request ${request.requestId} was revoked.</p>
<p>${trip.reason}</p>
${emailFacts(rows)}
<p style="color:#555;font-size:13px">${closing}</p>`);
  return { subject, html: body, text };
}
