import { extensionLabel } from './grant-extension';
import { createHash } from 'node:crypto';
import type { ApprovalDecision, Denial, Verdict } from './approval-decision';
import { MAX_NOTE_LENGTH } from './approval-decision';
import type { ElevatedRole } from './broker-settings';
import { html, type SafeHtml, trustedHtml, utcText } from './html';
import { quorumSection } from './quorum-pages';
import type { RequestView } from './request-view';
import { APPROVAL_PROOFS_HEADING, describeProofs } from './policy-proofs';

/**
 * The approval pages: server-rendered HTML from pure functions, no JavaScript, no external assets (one
 * inline stylesheet, allowed by its hash), readable on a phone. Written with the `html` tag, so everything
 * that came from a requester or an approver is escaped.
 */

export interface Page {
  readonly status: number;
  readonly html: string;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 -apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#111;background:#f4f5f7}
main{max-width:36rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.5rem 0 1rem}
.card{background:#fff;border:1px solid #d9dce1;border-radius:8px;padding:1rem;margin-bottom:1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem .9rem;margin:0}
dt{color:#555}
dd{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
ul{margin:.25rem 0;padding-left:1.2rem}
label{display:block;font-weight:600;margin:.8rem 0 .3rem}
select,input,textarea{width:100%;font:inherit;padding:.6rem;border:1px solid #9aa0a6;border-radius:6px;background:#fff}
textarea{min-height:5rem}
.hint{color:#555;font-size:.9rem;margin:.3rem 0 0}
.buttons{display:flex;gap:.75rem;margin-top:1.2rem}
button{flex:1;font:inherit;font-weight:600;padding:.9rem;border-radius:6px;border:0;cursor:pointer}
.approve{background:#0b6b2f;color:#fff}
.deny{background:#fff;color:#a4161a;border:2px solid #a4161a}
.problems{background:#fdecea;border:1px solid #e0a3a0;border-radius:8px;padding:.75rem 1rem;margin-bottom:1rem}
.muted{color:#555;font-size:.9rem}
.planned{margin:.8rem 0 0}
.lead{margin-top:0}
`;

/** `Content-Security-Policy` for every page: nothing may load or run; only the form may post, to us. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Headers of every page. `no-referrer`: the link's capability must not leak to anyone; `no-store`: a
 * shared or back-button copy of the page must not outlive the decision.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Strict-Transport-Security': 'max-age=31536000',
};

/** The page around a body: shared with the quorum pages (quorum-pages.ts). */
export function layout(status: number, title: string, body: SafeHtml): Page {
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${title}</title>
<style>${trustedHtml(STYLE)}</style>
</head><body><main>
${body}
</main></body></html>`;
  return { status, html: String(page) };
}

export function rows(entries: ReadonlyArray<readonly [string, string | undefined]>): SafeHtml {
  return html`<dl>${entries
    .filter((e): e is readonly [string, string] => e[1] !== undefined && e[1] !== '')
    .map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

export function summary(request: RequestView): SafeHtml {
  const planned =
    request.plannedActions.length > 0
      ? html`<p class="muted planned">Planned actions</p><ul>${request.plannedActions.map((a) => html`<li>${a}</li>`)}</ul>`
      : '';
  return html`<section class="card">${rows([
    ['Extension', request.extension ? extensionLabel(request.extension, request.minutes, new Date(request.requestedAt)) : undefined],
    ['Account', `${request.accountName} (${request.accountId})`],
    ['Role', request.role],
    ['Minutes', String(request.minutes)],
    ['Reason', request.reason],
    ['Requested by', request.requester],
    ['Requested at', utcText(request.requestedAt)],
    ['Decide before', request.approvalDeadline ? utcText(request.approvalDeadline) : undefined],
    ['Request id', request.requestId],
  ])}${planned}</section>`;
}

export interface ReviewPageInput {
  readonly request: RequestView;
  readonly approver: string;
  readonly roles: readonly ElevatedRole[];
  /** Put back into the form as a hidden field: the POST carries it, the URL of the POST does not. */
  readonly capability: string;
  /** Problems with a verdict that was sent; the form is shown again with what was sent. */
  readonly problems?: readonly string[];
  readonly verdict?: Verdict;
  /** What the grant can do against the role (`grantScopeText`); omitted: not shown. */
  readonly scope?: readonly string[];
}

/** The review page (GET): the request, and a form to decide it. Submitting is the only way to decide. */
export function reviewPage(input: ReviewPageInput): Page {
  const { request, roles, verdict } = input;
  const sent = verdict?.action === 'approve' ? verdict : undefined;
  const chosenRole = sent?.role ?? request.role;
  const minutes = sent?.minutes !== undefined && Number.isFinite(sent.minutes) ? sent.minutes : request.minutes;
  const note = verdict ? (verdict.action === 'approve' ? verdict.note : verdict.reason) : undefined;
  // Narrow, never widen: never more than requested (the server checks it again, with the chosen role's limit).
  const maxOfAll = Math.min(request.minutes, Math.max(1, ...roles.map((r) => r.maxMinutes)));
  const problems = input.problems?.length
    ? html`<div class="problems" role="alert"><strong>Nothing was decided.</strong><ul>${input.problems.map((p) => html`<li>${p}</li>`)}</ul></div>`
    : '';
  const options = roles.map(
    (r) => html`<option value="${r.name}"${r.name === chosenRole ? html` selected` : ''}>${r.name} (up to ${r.maxMinutes} min)</option>`,
  );
  const body = html`<h1>Approve elevated access?</h1>
${problems}${summary(request)}${quorumSection(request, input.approver)}
${input.scope ? html`<section class="card"><p class="lead"><strong>What this grant can do</strong> (the role versus the grant, evaluated from their policies)</p><ul>${input.scope.map((l) => html`<li>${l}</li>`)}</ul></section>` : ''}
${request.approvalProofs ? html`<section class="card"><p class="lead"><strong>${APPROVAL_PROOFS_HEADING}</strong></p><ul>${describeProofs(request.approvalProofs).map((l) => html`<li>${l}</li>`)}</ul></section>` : ''}
<form class="card" method="post" action="${encodeURIComponent(request.requestId)}">
<input type="hidden" name="c" value="${input.capability}">
<label for="role">Role</label>
<select id="role" name="role">${options}</select>
<label for="minutes">Minutes</label>
<input id="minutes" name="minutes" type="number" inputmode="numeric" min="1" max="${maxOfAll}" step="1" required value="${minutes}">
<p class="hint">At most the requested minutes and the role's limit. You may lower them, or choose a less privileged role; never more.</p>
<label for="note">Note (optional; the reason when you deny)</label>
<textarea id="note" name="note" maxlength="${MAX_NOTE_LENGTH}">${note ?? ''}</textarea>
<div class="buttons">
<button class="approve" type="submit" name="action" value="approve">Approve</button>
<button class="deny" type="submit" name="action" value="deny" formnovalidate>Deny</button>
</div>
</form>
<p class="muted">You are deciding as ${input.approver}. ${linkTerms(request)}</p>`;
  return layout(input.problems?.length ? 422 : 200, 'Approve elevated access?', body);
}

/**
 * What the link can still do. Alone, an approver's link decides once; in a quorum an approval counts once
 * and the same link may still deny (approval-quorum.ts), so promising "once" there would be wrong.
 */
function linkTerms(request: RequestView): string {
  const until = request.approvalDeadline ? utcText(request.approvalDeadline) : 'the approval window closes';
  if ((request.routing?.quorum ?? 1) > 1) return `Your approval counts once; the link works until ${until}, to deny after approving if you change your mind.`;
  return `The link works once and until ${until}.`;
}

function decisionRows(decision: ApprovalDecision | undefined, denial: Denial | undefined): SafeHtml | '' {
  if (decision) {
    return rows([
      ['Decision', 'Approved'],
      ['Role', decision.role],
      ['Minutes', String(decision.minutes)],
      ['Note', decision.note],
      ['By', decision.approvers && decision.approvers.length > 1 ? decision.approvers.map((a) => a.approver).join(', ') : decision.approver],
      ['At', utcText(decision.decidedAt)],
      ['Through', decision.channel === 'cli' ? 'the jit CLI' : 'the review page'],
    ]);
  }
  if (denial) {
    return rows([
      ['Decision', 'Denied'],
      ['Reason', denial.reason || '(none given)'],
      ['By', denial.approver],
      ['At', utcText(denial.decidedAt)],
      ['Through', denial.channel === 'cli' ? 'the jit CLI' : 'the review page'],
    ]);
  }
  return '';
}

/** After Approve: what was approved and until about when. */
export function approvedPage(request: RequestView, decision: ApprovalDecision): Page {
  const until = utcText(new Date(Date.parse(decision.decidedAt) + decision.minutes * 60_000));
  return layout(
    200,
    'Approved',
    html`<h1>Approved</h1>
<section class="card"><p class="lead">${decision.role} in ${request.accountName} for ${decision.minutes} minutes.
The credentials are issued now and stop working ${decision.minutes} minutes after that, about ${until}.</p>
${decisionRows(decision, undefined)}</section>
<p class="muted">Every approver gets a confirmation email. You can close this page.</p>`,
  );
}

/** After Deny. */
export function deniedPage(request: RequestView, denial: Denial): Page {
  return layout(
    200,
    'Denied',
    html`<h1>Denied</h1>
<section class="card"><p class="lead">Nothing is issued for ${request.role} in ${request.accountName}.</p>
${decisionRows(undefined, denial)}</section>
<p class="muted">Every approver gets a confirmation email. You can close this page.</p>`,
  );
}

/** A used link, or a request someone else decided: who decided what, and when. */
export function alreadyDecidedPage(request: RequestView): Page {
  return layout(
    409,
    'Already decided',
    html`<h1>Already decided</h1>
<p>This request was already decided; the link cannot be used again.</p>
<section class="card">${decisionRows(request.decision, request.denial)}</section>
${summary(request)}`,
  );
}

/** The approval window closed before anyone decided. */
export function expiredPage(request: RequestView): Page {
  return layout(
    410,
    'Link expired',
    html`<h1>This link has expired</h1>
<p>Nobody decided before ${request.approvalDeadline ? utcText(request.approvalDeadline) : 'the approval window closed'}, so nothing was approved. The agent has to send a new request.</p>
${summary(request)}`,
  );
}

/** Ended without a recorded decision (rejected, failed, stopped). */
export function closedPage(request: RequestView): Page {
  return layout(
    409,
    'No longer open',
    html`<h1>This request can no longer be decided</h1>
<p>It ended without a decision on record (status ${request.status}). Nothing was approved through this link.</p>
${summary(request)}`,
  );
}

/**
 * Unknown request, wrong or malformed capability, a link replaced by a newer email: one page for all,
 * so it says nothing about whether a request exists.
 */
export function notFoundPage(): Page {
  return layout(
    404,
    'Link not valid',
    html`<h1>This link is not valid</h1>
<p>Check that you opened the whole link from the most recent approval email. Nothing was decided.</p>`,
  );
}

const ERROR_TITLES: Record<number, string> = {
  400: 'Form not accepted',
  405: 'Method not allowed',
  413: 'Form too large',
  415: 'Form not accepted',
  500: 'Something went wrong',
  503: 'Try again',
};

/** Malformed input or a fault; always says that nothing was decided. */
export function errorPage(status: 400 | 405 | 413 | 415 | 500 | 503, message: string): Page {
  const title = ERROR_TITLES[status];
  return layout(status, title, html`<h1>${title}</h1>\n<p>${message} Nothing was decided.</p>`);
}
