import type { DecideOutcome } from '../../handlers/use-cases/decide-request';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';

function decidedText(outcome: Extract<DecideOutcome, { kind: 'decided' | 'delivery-pending' }>): string {
  const { decision, denial } = outcome.request;
  if (decision) return `approved by ${decision.approver} at ${decision.decidedAt}: ${decision.role} for ${decision.minutes} minutes`;
  if (denial) return `denied by ${denial.approver} at ${denial.decidedAt}${denial.reason ? `: ${denial.reason}` : ''}`;
  return 'decided';
}

/**
 * Reports a terminal decision the way the review page does: the outcome on stdout with exit code 0, or a
 * CliError naming why nothing changed. Shared by `jit approve` and `jit deny`.
 */
export function reportDecision(requestId: string, outcome: DecideOutcome, ctx: CliContext): void {
  switch (outcome.kind) {
    case 'approved': {
      const d = outcome.decision;
      ctx.data(
        { requestId, outcome: 'approved', status: 'APPROVED', decision: d },
        `Approved ${requestId}: ${d.role} in ${outcome.request.accountName} for ${d.minutes} minutes (as ${d.approver}).`,
      );
      if (!outcome.confirmation.sent) ctx.note('warning: the confirmation email could not be sent; the decision stands.');
      return;
    }
    case 'denied': {
      const d = outcome.denial;
      ctx.data({ requestId, outcome: 'denied', status: 'DENIED', denial: d }, `Denied ${requestId} (as ${d.approver}).`);
      if (!outcome.confirmation.sent) ctx.note('warning: the confirmation email could not be sent; the decision stands.');
      return;
    }
    case 'not-found':
      throw new CliError(`No request ${requestId}.`, EXIT.NOT_FOUND, 'List what waits for a decision with: jit pending');
    case 'decided':
      throw new CliError(
        outcome.redelivered
          ? `Request ${requestId} was already ${decidedText(outcome)}; that decision had not reached the workflow, and now it has. Nothing else changed.`
          : `Request ${requestId} was already ${decidedText(outcome)}. Nothing changed.`,
        EXIT.ALREADY_DECIDED,
      );
    case 'delivery-pending':
      throw new CliError(
        `Request ${requestId} was already ${decidedText(outcome)}, but the decision has not reached the workflow yet.`,
        EXIT.UNAVAILABLE,
        'Run the same command again in a minute to deliver it.',
      );
    case 'closed':
      throw new CliError(`Request ${requestId} ended without a decision (status ${outcome.request.status}). Nothing changed.`, EXIT.ALREADY_DECIDED);
    case 'expired':
      throw new CliError(
        `The approval window of ${requestId} has closed${outcome.request.approvalDeadline ? ` (${outcome.request.approvalDeadline})` : ''}. Nothing changed.`,
        EXIT.EXPIRED,
        'The agent has to send a new request.',
      );
    case 'invalid':
      throw new CliError(
        `Nothing was decided: ${outcome.problems.join('; ')}.`,
        EXIT.INVALID_DECISION,
        `Roles for ${outcome.request.accountName}: ${outcome.roles.map((r) => `${r.name} (up to ${r.maxMinutes} min)`).join(', ')}.`,
      );
    case 'unavailable':
      throw new CliError(`The workflow could not be reached; nothing was decided.`, EXIT.UNAVAILABLE, 'Try again in a minute.', {
        cause: outcome.error,
      });
  }
}
