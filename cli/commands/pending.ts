import { Command } from 'commander';
import { APPROVAL_PROOFS_HEADING } from '../../handlers/core/policy-proofs';
import type { PendingSummary } from '../../handlers/ports/request-store';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';
import { oneLine, table } from './table';

/** `jit pending`: the requests waiting for a decision, oldest first, from the approver route. */
export function pendingCommand(context: (command: Command) => CliContext): Command {
  return new Command('pending')
    .description('List the requests waiting for a decision, oldest first')
    .action(async (_options, command: Command) => {
      const ctx = context(command);
      const answer = await ctx.approverApi().call('GET', '/approvals');
      if (answer.status !== 200 || !Array.isArray(answer.body.pending)) {
        throw new CliError(`The approver route answered HTTP ${answer.status}: ${String(answer.body.message ?? 'no list of pending requests')}.`, EXIT.FAILURE);
      }
      const pending = answer.body.pending as Array<PendingSummary & { scope?: string[]; proofs?: string[] }>;
      const text =
        pending.length === 0
          ? 'No request waits for a decision.'
          : table([
              ['REQUEST', 'ACCOUNT', 'ROLE', 'MIN', 'REQUESTED', 'DECIDE BY', 'APPROVALS', 'REASON'],
              ...pending.map((p) => [
                p.requestId,
                `${p.accountName} (${p.accountId})`,
                p.role,
                String(p.minutes),
                p.requestedAt,
                p.approvalDeadline ?? '',
                // Approvals so far of those needed (docs/approvals.md#quorum): `0/1` for one approval.
                `${Object.keys(p.approvals ?? {}).length}/${p.routing?.quorum ?? 1}`,
                p.extension ? `[extends ${p.extension.requestId}] ${oneLine(p.reason)}` : oneLine(p.reason),
              ]),
            ]);
      // Under the table: what each grant can do against its role, as the broker evaluated it.
      const scopes = pending
        .filter((p) => Array.isArray(p.scope))
        .map((p) => [`${p.requestId}: what this grant can do`, ...(p.scope ?? []).map((l) => `  ${oneLine(l)}`)].join('\n'));
      // And what IAM Access Analyzer answered about the session policy as requested, when it was asked.
      const proofs = pending
        .filter((p) => Array.isArray(p.proofs))
        .map((p) => [`${p.requestId}: ${APPROVAL_PROOFS_HEADING}`, ...(p.proofs ?? []).map((l) => `  ${oneLine(l)}`)].join('\n'));
      ctx.data({ pending }, [text, ...scopes, ...proofs].join('\n\n'));
    });
}
