import type { ElevationRequest } from './elevation-request';
import { extensionLabel } from './grant-extension';
import { emailDocument, emailFacts } from './email-html';
import { headerSafe, html, utcText as utc } from './html';
import { APPROVAL_PROOFS_HEADING } from './policy-proofs';

export interface EmailMessage {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export interface ApprovalEmailInput {
  readonly request: ElevationRequest;
  readonly reviewUrl: string;
  readonly approvalDeadline: Date;
  /** What the grant can do compared with the role (`grantScopeText`); omitted: not shown. */
  readonly scope?: readonly string[];
  /** Access Analyzer's checks of the session policy as requested (`describeProofs`); omitted: not shown. */
  readonly proofs?: readonly string[];
}

/**
 * The approver's email: HTML and plain text, every requester-supplied string escaped (the `html` tag), one review link,
 * and the time the link stops working. The link only shows the request; deciding takes a POST from the
 * page, so a mail scanner that follows it changes nothing.
 */
export function renderApprovalEmail({ request, reviewUrl, approvalDeadline, scope, proofs }: ApprovalEmailInput): EmailMessage {
  const minutes = `${request.minutes} min`;
  const extension = request.extension;
  // An extension is labelled as one everywhere: what it extends and how much time is left when asked.
  const subject = headerSafe(
    extension
      ? `Extend ${request.role} by ${minutes} in ${request.accountName}? (request ${request.requestId}, extends ${extension.requestId})`
      : `Approve ${request.role} for ${minutes} in ${request.accountName}? (request ${request.requestId})`,
  );
  const intro = extension ? 'An agent asks for more time on a live grant.' : 'An agent asks for elevated AWS access.';
  const rows: Array<[string, string]> = [
    ...(extension ? ([['Extension', extensionLabel(extension, request.minutes, new Date(request.requestedAt))]] as Array<[string, string]>) : []),
    ['Account', `${request.accountName} (${request.accountId})`],
    ['Role', request.role],
    ['Duration', extension ? `${request.minutes} more minutes` : `${request.minutes} minutes`],
    ['Reason', request.reason],
    ...(request.requester ? ([['Requested by', request.requester]] as Array<[string, string]>) : []),
    ['Requested at', utc(request.requestedAt)],
    ['Link valid until', utc(approvalDeadline)],
  ];
  const planned = request.plannedActions;

  const text = [
    intro,
    '',
    ...rows.map(([k, v]) => `${k}: ${v}`),
    ...(planned.length > 0 ? ['', 'Planned actions:', ...planned.map((a) => `  - ${a}`)] : []),
    ...(scope ? ['', 'What this grant can do (the role versus the grant):', ...scope.map((l) => `  ${l}`)] : []),
    ...(proofs ? ['', APPROVAL_PROOFS_HEADING, ...proofs.map((l) => `  ${l}`)] : []),
    '',
    `Review and decide: ${reviewUrl}`,
    '',
    'Opening the link does not approve anything; the page asks you to choose Approve or Deny.',
    'If you did not expect this request, deny it.',
  ].join('\n');

  const body = emailDocument(html`<p>${intro}</p>
${emailFacts(rows)}
${planned.length > 0 ? html`<p><strong>Planned actions</strong></p><ul>${planned.map((a) => html`<li>${a}</li>`)}</ul>` : ''}
${scope ? html`<p><strong>What this grant can do</strong> (the role versus the grant)</p><ul>${scope.map((l) => html`<li>${l}</li>`)}</ul>` : ''}
${proofs ? html`<p><strong>${APPROVAL_PROOFS_HEADING}</strong></p><ul>${proofs.map((l) => html`<li>${l}</li>`)}</ul>` : ''}
<p><a href="${reviewUrl}" style="display:inline-block;background:#0b5cad;color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none">Review request</a></p>
<p style="color:#555;font-size:13px">Opening the link does not approve anything; the page asks you to choose Approve or Deny. If you did not expect this request, deny it.</p>`);
  return { subject, html: body, text };
}
