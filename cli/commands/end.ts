import { Command, Option } from 'commander';
import { REQUEST_ID_PATTERN } from '../../handlers/core/elevation-request';
import { endOwnGrant } from '../agent/agent-actions';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';
import { wholeNumber } from './request';

/**
 * `jit end`: the agent gives back its own grant early. It proves that it holds the grant by signing a
 * GetCallerIdentity with the grant's own credentials and sends that in an `Elevation End Requested`
 * event; the broker honours it only when STS says the signer is the grant's session `jit-<requestId>`,
 * then revokes exactly as `jit revoke` does. The answer arrives on the notification queue.
 */
export function endCommand(context: (command: Command) => CliContext): Command {
  return new Command('end')
    .description('Give back your own active grant before it expires (the broker revokes it)')
    .argument('<requestId>', 'the granted request')
    .addOption(new Option('--account <id|name>', 'the account of the grant (default: search every configured account)'))
    .addOption(new Option('--timeout <s>', 'how long to wait for the broker to confirm (default 60)').argParser(wholeNumber('seconds', 3600)))
    .action(async (requestId: string, options: { account?: string; timeout?: number }, command: Command) => {
      const ctx = context(command);
      if (!REQUEST_ID_PATTERN.test(requestId)) throw new CliError(`Not a request id: ${JSON.stringify(requestId)}.`, EXIT.USAGE);
      const spinner = ctx.spinner(`Ending ${requestId}…`);
      let ended;
      try {
        ended = await endOwnGrant(ctx, requestId, { ...(options.account ? { account: options.account } : {}), timeoutMs: (options.timeout ?? 60) * 1000 });
      } finally {
        spinner.stop();
      }
      ctx.data(
        ended,
        ended.alreadyEnded
          ? `${requestId} had already been ended early; its grant in ${ended.account} no longer works.`
          : `Ended ${requestId}: the grant in ${ended.account} no longer works (the deny reaches every copy within minutes).`,
      );
    });
}
