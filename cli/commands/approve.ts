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
    .action(async (requestId: string, options: { role?: string; minutes?: number; note?: string }, command: Command) => {
      const ctx = context(command);
      if (!REQUEST_ID_PATTERN.test(requestId)) throw new CliError(`Not a request id: ${JSON.stringify(requestId)}.`, EXIT.USAGE);
      const answer = await ctx.approverApi().call('POST', `/approvals/${encodeURIComponent(requestId)}/approve`, {
        ...(options.role !== undefined ? { role: options.role } : {}),
        ...(options.minutes !== undefined ? { minutes: options.minutes } : {}),
        ...(options.note !== undefined ? { note: options.note } : {}),
      });
      reportDecision(requestId, answer, ctx);
    });
}
