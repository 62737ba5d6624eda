import { Command } from 'commander';
import { profileNameFor } from '../agent/aws-profile';
import type { CliContext } from '../context';
import { table } from './table';

/** `jit roles`: what may be requested, where, and for how long. Reads the config only. */
export function rolesCommand(context: (command: Command) => CliContext): Command {
  return new Command('roles')
    .description('List the accounts and roles that may be requested, with default and maximum minutes')
    .action((_options, command: Command) => {
      const ctx = context(command);
      const settings = ctx.settings();
      const accounts = settings.accounts.map((a) => ({
        id: a.id,
        name: a.name,
        profile: profileNameFor(a),
        roles: a.roles.map((r) => ({ name: r.name, defaultMinutes: r.defaultMinutes, maxMinutes: r.maxMinutes, ...(r.description ? { description: r.description } : {}) })),
      }));
      const rows = accounts.flatMap((a) =>
        a.roles.map((r) => [`${a.name} (${a.id})`, r.name, String(r.defaultMinutes), String(r.maxMinutes), a.profile, r.description ?? '']),
      );
      ctx.data(
        { accounts, approvalWindowMinutes: settings.approvalWindowMinutes },
        `${table([['ACCOUNT', 'ROLE', 'DEFAULT', 'MAX', 'AWS_PROFILE', 'DESCRIPTION'], ...rows])}\n\nMinutes are per grant; an approver may grant fewer. Approvals wait ${settings.approvalWindowMinutes} minutes.`,
      );
    });
}
