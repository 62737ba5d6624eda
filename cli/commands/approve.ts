import { Command, InvalidArgumentError, Option } from 'commander';
import { REQUEST_ID_PATTERN } from '../../handlers/core/elevation-request';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';
import { reportDecision } from './decision-outcome';

function wholeNumber(value: string): number {
  if (!/^\d{1,4}$/.test(value)) throw new InvalidArgumentError('Expected a whole number of minutes, e.g. --minutes 15.');
  return Number(value);
}

/**
 * `jit approve`: the terminal twin of the review page's Approve button, under the same single-decision
 * rule, through the broker's IAM-authorized approver route as the caller's own AWS identity.
 */
export function approveCommand(context: (command: Command) => CliContext): Command {
  return new Command('approve')
    .description('Approve a pending request, optionally with another role of the same account or fewer minutes')
    .argument('<requestId>', 'the request to approve (see: jit pending)')
    .addOption(new Option('--role <role>', 'grant this role instead of the requested one (must be configured for the account)'))
    .addOption(new Option('--minutes <n>', 'grant this many minutes instead of the requested ones (at most the role max)').argParser(wholeNumber))
    .addOption(new Option('--note <text>', 'a note for the audit report'))
    .addOption(new Option('--break-glass', "approve your own request for a breakGlass role (you are its requester); every approver is alerted"))
    .addOption(new Option('--reason <text>', 'with --break-glass, why (mandatory)'))
    .action(async (requestId: string, options: { role?: string; minutes?: number; note?: string; breakGlass?: boolean; reason?: string }, command: Command) => {
      const ctx = context(command);
      if (!REQUEST_ID_PATTERN.test(requestId)) throw new CliError(`Not a request id: ${JSON.stringify(requestId)}.`, EXIT.USAGE);
      if (options.breakGlass && options.note !== undefined) throw new CliError('--break-glass takes --reason, not --note.', EXIT.USAGE);
      if (!options.breakGlass && options.reason !== undefined) throw new CliError('--reason is for --break-glass; an approval takes --note.', EXIT.USAGE);
      const answer = await ctx.approverApi().call('POST', `/approvals/${encodeURIComponent(requestId)}/approve`, {
        ...(options.role !== undefined ? { role: options.role } : {}),
        ...(options.minutes !== undefined ? { minutes: options.minutes } : {}),
        ...(options.note !== undefined ? { note: options.note } : {}),
        // The broker refuses a break-glass without a reason; sending none lets it say so with the rest.
        ...(options.breakGlass ? { breakGlass: true, ...(options.reason !== undefined ? { reason: options.reason } : {}) } : {}),
      });
      if (answer.body.outcome === 'refused' && answer.body.code === 'BREAK_GLASS_REFUSED') {
        throw new CliError(`Nothing was decided, no break-glass: ${((answer.body.problems ?? []) as string[]).join('; ')}.`, EXIT.INVALID_DECISION);
      }
      reportDecision(requestId, answer, ctx);
      if (answer.body.breakGlass === true) ctx.note(`break-glass: every approver was alerted; the request is marked for post-review until another approver runs jit ack ${requestId}.`);
    });
}
