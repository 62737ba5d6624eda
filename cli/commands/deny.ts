import { Command } from 'commander';
import { decideRequest } from '../../handlers/use-cases/decide-request';
import type { CliContext } from '../context';
import { reportDecision } from './decision-outcome';

/** `jit deny`: the terminal twin of the review page's Deny button. */
export function denyCommand(context: (command: Command) => CliContext): Command {
  return new Command('deny')
    .description('Deny a pending request')
    .argument('<requestId>', 'the request to deny (see: jit pending)')
    .option('--reason <text>', 'why; the agent sees it in the Elevation Denied event')
    .action(async (requestId: string, options: { reason?: string }, command: Command) => {
      const ctx = context(command);
      const approver = await ctx.callerArn();
      const outcome = await decideRequest(
        requestId,
        { channel: 'cli', approver },
        { action: 'deny', ...(options.reason !== undefined ? { reason: options.reason } : {}) },
        ctx.decideDeps(),
      );
      reportDecision(requestId, outcome, ctx);
    });
}
