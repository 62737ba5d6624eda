import type { QuorumApproval } from './approval-quorum';
import { approvalsInOrder } from './approval-quorum';
import { sameApprover } from './approver-routing';
import { html, type SafeHtml, utcText } from './html';
import type { RequestView } from './request-view';
import { layout, type Page, rows, summary } from './review-pages';

/**
 * What the review page shows of a quorum (approval-quorum.ts): how many approvals the request needs, who
 * approved so far, and whether the reader is one of them. Nothing for a request one approval decides.
 */
export function quorumSection(request: RequestView, approver: string): SafeHtml | '' {
  const quorum = request.routing?.quorum ?? 1;
  if (quorum <= 1) return '';
  const approvals = approvalsInOrder(request.approvals);
  const mine = approvals.find((a) => sameApprover(a.approver, approver));
  const list = approvals.length
    ? html`<ul class="approvals">${approvals.map((a) => html`<li>${a.approver}: ${a.role}, ${String(a.minutes)} min, ${utcText(a.decidedAt)}</li>`)}</ul>`
    : html`<p class="muted">No approvals yet.</p>`;
  const yours = mine
    ? html`<p class="muted">You approved at ${utcText(mine.decidedAt)}; your approval counts once. You may still deny.</p>`
    : '';
  return html`<section class="card quorum" aria-label="Approvals"><p class="lead"><strong>${String(approvals.length)} of ${String(quorum)} approvals</strong> needed from: ${(request.routing?.approvers ?? []).join(', ')}.</p>${list}${yours}<p class="muted">Nothing is issued until ${String(quorum)} different approvers approve the same role; one denial ends the request.</p></section>`;
}

/** After an approval that was counted towards a quorum not reached yet (or was counted before). */
export function countedPage(request: RequestView, approval: QuorumApproval, approvals: readonly QuorumApproval[], quorum: number, duplicate: boolean): Page {
  const title = duplicate ? 'Already counted' : 'Approval counted';
  const lead = duplicate
    ? html`You had already approved this request at ${utcText(approval.decidedAt)}. The same person counts once: nothing changed.`
    : html`Your approval of ${approval.role} for ${String(approval.minutes)} minutes is counted.`;
  return layout(
    duplicate ? 409 : 202,
    title,
    html`<h1>${title}</h1>
<section class="card"><p class="lead">${lead}</p>${rows([
      ['Approvals', `${approvals.length} of ${quorum}`],
      ['Still needed', String(Math.max(0, quorum - approvals.length))],
    ])}</section>
${summary(request)}${quorumSection({ ...request, approvals: Object.fromEntries(approvals.map((a) => [a.approver, a])) }, approval.approver)}
<p class="muted">Nothing is issued until the rest approve. The other approvers got an email saying so.</p>`,
  );
}
