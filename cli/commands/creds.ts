import { Command, Option } from 'commander';
import { credentialProcessOutput } from '../../handlers/core/credential-process';
import { activeGrant } from '../agent/active-grant';
import type { CliContext } from '../context';

/**
 * `jit creds`: the `credential_process` of an AWS profile. Prints exactly one JSON line (Version 1, the
 * keys, Expiration = the approved expiry) on stdout; without a usable grant it prints one line on
 * stderr and exits NO_ACTIVE_GRANT, which AWS tools report as a credential error.
 */
export function credsCommand(context: (command: Command) => CliContext): Command {
  return new Command('creds')
    .description('Print the active grant of an account as credential_process JSON (for ~/.aws/config)')
    .requiredOption('--account <id|name>', 'the target account')
    .addOption(new Option('--role <role>', 'only a grant of this role'))
    .option('--no-cache', 'always read the secret (skip the per-user cache)')
    .addHelpText('after', '\nIn ~/.aws/config:\n  [profile jit-prod]\n  credential_process = jit creds --account prod --profile jit-agent\n')
    .action(async (options: { account: string; role?: string; cache: boolean }, command: Command) => {
      const ctx = context(command);
      const account = ctx.account(options.account);
      const secret = await activeGrant(ctx, account, { useCache: options.cache, ...(options.role ? { role: options.role } : {}) });
      ctx.io.out(`${JSON.stringify(credentialProcessOutput(secret))}\n`);
    });
}
