import type { ApproverApiAnswer } from '../approvals/approver-api';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';

interface DecidedView {
  readonly accountName?: string;
  readonly status?: string;
  readonly approvalDeadline?: string;
  readonly decision?: { approver: string; decidedAt: string; role: string; minutes: number };
  readonly denial?: { approver: string; decidedAt: string; reason?: string };
}

function decidedText(view: DecidedView): string {
  const { decision, denial } = view;
  if (decision) return `approved by ${decision.approver} at ${decision.decidedAt}: ${decision.role} for ${decision.minutes} minutes`;
  if (denial) return `denied by ${denial.approver} at ${denial.decidedAt}${denial.reason ? `: ${denial.reason}` : ''}`;
  return 'decided';
}

/**
 * Reports what the approver route answered to `jit approve` or `jit deny`, the way the review page
 * does: the outcome on stdout with exit code 0, or a CliError naming why nothing changed.
 */
export function reportDecision(requestId: string, answer: ApproverApiAnswer, ctx: CliContext): void {
  const body = answer.body;
  const view = (body.request ?? {}) as DecidedView;
  switch (body.outcome) {
    case 'approved': {
      const d = body.decision as { role: string; minutes: number; approver: string };
      ctx.data(
        { requestId, outcome: 'approved', status: 'APPROVED', decision: d },
        `Approved ${requestId}: ${d.role} in ${view.accountName ?? ''} for ${d.minutes} minutes (as ${d.approver}).`,
      );
      if (body.confirmationSent === false) ctx.note('warning: the confirmation email could not be sent; the decision stands.');
      return;
    }
    case 'denied': {
      const d = body.denial as { approver: string };
      ctx.data({ requestId, outcome: 'denied', status: 'DENIED', denial: d }, `Denied ${requestId} (as ${d.approver}).`);
      if (body.confirmationSent === false) ctx.note('warning: the confirmation email could not be sent; the decision stands.');
      return;
    }
    case 'counted': {
      // A quorum not reached yet (docs/approvals.md#quorum): counted, or counted before; nothing sent to the workflow.
      const approvals = (body.approvals ?? []) as Array<{ approver: string }>;
      const quorum = Number(body.quorum);
      ctx.data(
        { requestId, outcome: 'counted', duplicate: body.duplicate === true, approvals, quorum },
        body.duplicate === true
          ? `You had already approved ${requestId}; the same person counts once. Nothing changed: ${approvals.length} of ${quorum} approvals (${approvals.map((a) => a.approver).join(', ')}).`
          : `Approval of ${requestId} counted: ${approvals.length} of ${quorum} (${approvals.map((a) => a.approver).join(', ')}). Nothing is issued until the rest approve.`,
      );
      return;
    }
    case 'not-routed':
      throw new CliError(`You cannot decide ${requestId}: ${String(body.message ?? 'it is routed to other approvers')}. Nothing changed.`, EXIT.REFUSED);
    case 'not-found':
      throw new CliError(`No request ${requestId}.`, EXIT.NOT_FOUND, 'List what waits for a decision with: jit pending');
    case 'decided':
      throw new CliError(
        body.redelivered === true
          ? `Request ${requestId} was already ${decidedText(view)}; that decision had not reached the workflow, and now it has. Nothing else changed.`
          : `Request ${requestId} was already ${decidedText(view)}. Nothing changed.`,
        EXIT.ALREADY_DECIDED,
      );
    case 'delivery-pending':
      throw new CliError(
        `Request ${requestId} was already ${decidedText(view)}, but the decision has not reached the workflow yet.`,
        EXIT.UNAVAILABLE,
        'Run the same command again in a minute to deliver it.',
      );
    case 'closed':
      throw new CliError(`Request ${requestId} ended without a decision (status ${view.status ?? 'unknown'}). Nothing changed.`, EXIT.ALREADY_DECIDED);
    case 'expired':
      throw new CliError(
        `The approval window of ${requestId} has closed${view.approvalDeadline ? ` (${view.approvalDeadline})` : ''}. Nothing changed.`,
        EXIT.EXPIRED,
        'The agent has to send a new request.',
      );
    case 'invalid': {
      const problems = (body.problems ?? []) as string[];
      const roles = (body.roles ?? []) as Array<{ name: string; maxMinutes: number }>;
      throw new CliError(
        `Nothing was decided: ${problems.join('; ')}.`,
        EXIT.INVALID_DECISION,
        `Roles for ${view.accountName ?? 'the account'}: ${roles.map((r) => `${r.name} (up to ${r.maxMinutes} min)`).join(', ')}.`,
      );
    }
    case 'unavailable':
      throw new CliError(`The workflow could not be reached; nothing was decided.`, EXIT.UNAVAILABLE, 'Try again in a minute.');
    default:
      throw new CliError(`Nothing was decided: ${String(body.message ?? `HTTP ${answer.status}`)}.`, answer.status === 400 ? EXIT.USAGE : EXIT.FAILURE);
  }
}
