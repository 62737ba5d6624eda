import { Command } from 'commander';
import type { PostReview } from '../../handlers/core/break-glass';
import { REQUEST_ID_PATTERN } from '../../handlers/core/elevation-request';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';

/**
 * `jit ack`: an approver other than the operator acknowledges a break-glass approval after reviewing it,
 * through the IAM-authorized approver route (jit-approver). Recorded once, with who and when; a second
 * acknowledgement says who acknowledged it and changes nothing (docs/approvals.md#break-glass).
 */
export function ackCommand(context: (command: Command) => CliContext): Command {
  return new Command('ack')
    .description('Acknowledge a break-glass approval after reviewing it (an approver other than the one who broke glass)')
    .argument('<requestId>', 'the break-glass request (jit status shows POST-REVIEW PENDING)')
    .action(async (requestId: string, _options: unknown, command: Command) => {
      const ctx = context(command);
      if (!REQUEST_ID_PATTERN.test(requestId)) throw new CliError(`Not a request id: ${JSON.stringify(requestId)}.`, EXIT.USAGE);
      const reply = await ctx.approverApi().call('POST', `/approvals/${encodeURIComponent(requestId)}/ack`, {});
      const body = reply.body as { outcome?: string; postReview?: PostReview; reason?: string; message?: string };
      const review = body.postReview;
      switch (body.outcome) {
        case 'acknowledged':
        case 'already-acknowledged': {
          const by = review && review.status === 'acknowledged' ? `${review.acknowledgedBy} at ${review.acknowledgedAt}` : 'an approver';
          ctx.data(
            { requestId, outcome: body.outcome, postReview: review },
            body.outcome === 'acknowledged'
              ? `Acknowledged the break-glass approval of ${requestId} (as ${by}).`
              : `Already acknowledged: the break-glass approval of ${requestId} was acknowledged by ${by}. Nothing changed.`,
          );
          return;
        }
        case 'not-found':
          throw new CliError(`No request ${requestId}.`, EXIT.NOT_FOUND);
        case 'refused':
          throw new CliError(`Nothing acknowledged: ${body.reason ?? 'refused'}.`, EXIT.REFUSED);
        default:
          throw new CliError(`The approver route answered HTTP ${reply.status}: ${String(body.message ?? 'an unexpected answer')}.`, EXIT.FAILURE);
      }
    });
}
