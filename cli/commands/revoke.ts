import { Command, Option } from 'commander';
import { REQUEST_ID_PATTERN } from '../../handlers/core/elevation-request';
import type { RevokeResult } from '../../handlers/use-cases/revoke-result';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';

/**
 * `jit revoke`: an approver ends a grant early. The broker's revoke function does the work with the
 * broker's own roles (reset the secret, deny the grant's SourceIdentity on the role, schedule lifting
 * the deny); the approver calls the IAM-authorized approver route (jit-approver), so the record names
 * the identity API Gateway authenticated.
 */
export function revokeCommand(context: (command: Command) => CliContext): Command {
  return new Command('revoke')
    .description("End a grant early with an approver's credentials: reset the secret and deny the grant's session on the role")
    .argument('<requestId>', 'the granted request')
    .addOption(new Option('--reason <text>', 'why; recorded on the request and in the audit report'))
    .action(async (requestId: string, options: { reason?: string }, command: Command) => {
      const ctx = context(command);
      if (!REQUEST_ID_PATTERN.test(requestId)) throw new CliError(`Not a request id: ${JSON.stringify(requestId)}.`, EXIT.USAGE);
      if (options.reason !== undefined && (options.reason.trim().length === 0 || options.reason.length > 500)) {
        throw new CliError('--reason must be 1-500 characters.', EXIT.USAGE);
      }
      const reply = await ctx.approverApi().call('POST', `/approvals/${encodeURIComponent(requestId)}/revoke`, options.reason ? { reason: options.reason.trim() } : {});
      const answer = reply.body as unknown as RevokeResult;
      switch (answer.kind) {
        case 'revoked':
        case 'already-revoked': {
          const again = answer.kind === 'already-revoked';
          ctx.data(
            { ...answer, outcome: answer.kind },
            `${again ? 'Already revoked' : 'Revoked'} ${requestId}: ${answer.role ?? ''} in ${answer.accountName ?? answer.accountId ?? ''}, at ${answer.revokedAt} by ${answer.revokedBy}.\n` +
              'The secret holds no credentials; the deny on the role stops every copy within a few minutes and is lifted after the credentials expire.',
          );
          return;
        }
        case 'not-found':
          throw new CliError(`No request ${requestId}.`, EXIT.NOT_FOUND);
        case 'not-active':
          throw new CliError(`Nothing to revoke: ${answer.reason ?? `request ${requestId} has no active grant`}.`, EXIT.NOT_ACTIVE, undefined, { details: { requestId, status: answer.status } });
        case 'refused':
          throw new CliError(`The broker refused: ${answer.reason ?? 'the revocation was not accepted'}.`, EXIT.REFUSED);
        default:
          throw new CliError(`The approver route answered HTTP ${reply.status}: ${String(reply.body.message ?? 'an unexpected answer')}.`, EXIT.FAILURE, 'Every step is idempotent: run jit revoke again.');
      }
    });
}
