import { Command } from 'commander';
import { listPending } from '../../handlers/use-cases/list-pending';
import type { CliContext } from '../context';
import { oneLine, table } from './table';

/** `jit pending`: the requests waiting for a decision, oldest first. */
export function pendingCommand(context: (command: Command) => CliContext): Command {
  return new Command('pending')
    .description('List the requests waiting for a decision, oldest first')
    .action(async (_options, command: Command) => {
      const ctx = context(command);
      const pending = await listPending({ store: ctx.requestStore(), clock: ctx.clock });
      const text =
        pending.length === 0
          ? 'No request waits for a decision.'
          : table([
              ['REQUEST', 'ACCOUNT', 'ROLE', 'MIN', 'REQUESTED', 'DECIDE BY', 'REASON'],
              ...pending.map((p) => [
                p.requestId,
                `${p.accountName} (${p.accountId})`,
                p.role,
                String(p.minutes),
                p.requestedAt,
                p.approvalDeadline ?? '',
                oneLine(p.reason),
              ]),
            ]);
      ctx.data({ pending }, text);
    });
}
