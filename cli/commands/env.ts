import { Command, Option } from 'commander';
import { activeGrant } from '../agent/active-grant';
import { grantEnvironment } from '../agent/grant-environment';
import type { CliContext } from '../context';

/** POSIX shell single quotes: safe for any value. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `jit env`: `export` lines for a shell (`eval "$(jit env --account prod)"`). */
export function envCommand(context: (command: Command) => CliContext): Command {
  return new Command('env')
    .description('Print export lines that put the active grant of an account into a shell environment')
    .requiredOption('--account <id|name>', 'the target account')
    .addOption(new Option('--role <role>', 'only a grant of this role'))
    .addHelpText('after', '\nExample:\n  eval "$(jit env --account prod)"\n')
    .action(async (options: { account: string; role?: string }, command: Command) => {
      const ctx = context(command);
      const account = ctx.account(options.account);
      const secret = await activeGrant(ctx, account, options.role ? { role: options.role } : {});
      const { set, unset } = grantEnvironment(secret);
      const lines = [...unset.map((name) => `unset ${name}`), ...Object.entries(set).map(([name, value]) => `export ${name}=${shellQuote(value)}`)];
      ctx.data({ set, unset }, lines.join('\n'));
    });
}
