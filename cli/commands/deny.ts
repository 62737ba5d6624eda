import { Command } from 'commander';
import { REQUEST_ID_PATTERN } from '../../handlers/core/elevation-request';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';
import { reportDecision } from './decision-outcome';

/** `jit deny`: the terminal twin of the review page's Deny button, through the approver route. */
export function denyCommand(context: (command: Command) => CliContext): Command {
  return new Command('deny')
    .description('Deny a pending request')
    .argument('<requestId>', 'the request to deny (see: jit pending)')
    .option('--reason <text>', 'why; the agent sees it in the Elevation Denied event')
    .action(async (requestId: string, options: { reason?: string }, command: Command) => {
      const ctx = context(command);
      if (!REQUEST_ID_PATTERN.test(requestId)) throw new CliError(`Not a request id: ${JSON.stringify(requestId)}.`, EXIT.USAGE);
      const answer = await ctx.approverApi().call('POST', `/approvals/${encodeURIComponent(requestId)}/deny`, options.reason !== undefined ? { reason: options.reason } : {});
      reportDecision(requestId, answer, ctx);
    });
}
