import { Command, InvalidArgumentError, Option } from 'commander';
import { findRole } from '../../handlers/core/broker-settings';
import { REQUEST_ID_PATTERN } from '../../handlers/core/elevation-request';
import { awaitDecision, submitRequest } from '../agent/agent-actions';
import { grantedText } from '../agent/request-outcome';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';

export function wholeNumber(what: string, max: number) {
  return (value: string): number => {
    if (!/^\d{1,6}$/.test(value) || Number(value) > max) throw new InvalidArgumentError(`Expected a whole number of ${what} up to ${max}.`);
    return Number(value);
  };
}

/**
 * `--minutes` as a number. Its limit is the role's own maximum, known only from the config, so a value
 * that is not a whole number is refused here, naming that limit (a number over it is refused, with every
 * other problem, by the same check the broker runs).
 */
function minutesFor(ctx: CliContext, accountRef: string, roleName: string, value: string): number {
  if (/^\d{1,6}$/.test(value)) return Number(value);
  const account = ctx.account(accountRef);
  const role = findRole(account, roleName);
  const limit = role ? `1 to ${role.maxMinutes} for role ${role.name} in ${account.name}` : `1 to the role's maximum (${account.roles.map((r) => `${r.name}: ${r.maxMinutes}`).join(', ')})`;
  throw new CliError(`--minutes must be a whole number of minutes, ${limit}. Received: ${JSON.stringify(value)}`, EXIT.USAGE, 'See: jit roles');
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

interface RequestOptions {
  account: string;
  role: string;
  minutes?: string;
  reason: string;
  plan?: string[];
  resource?: string[];
  requestId?: string;
  requester?: string;
  wait?: boolean;
  timeout?: number;
}

/**
 * `jit request`: asks the broker for elevation by publishing `Elevation Requested` with the agent's own
 * credentials, after checking the request against the config exactly as the broker will. With `--wait`
 * it follows the agent's notification queue until the request is granted or ends.
 */
export function requestCommand(context: (command: Command) => CliContext): Command {
  return new Command('request')
    .description('Ask for an elevated role in an account for some minutes, with a reason; optionally wait for the outcome')
    .requiredOption('--account <id|name>', 'the target account (see: jit roles)')
    .requiredOption('--role <role>', 'the role to request, by its name or IAM role name (see: jit roles)')
    .addOption(new Option('--minutes <n>', "how long, up to the role's maximum (default: the role's default minutes)"))
    .requiredOption('--reason <text>', 'why; the approver reads it (at most 500 characters)')
    .addOption(new Option('--plan <action>', 'a planned action, e.g. "ecs:UpdateService payments"; repeat for several').argParser(collect))
    .addOption(
      new Option('--resource <action=arn>', 'limit a planned IAM action to a resource, e.g. "ecs:UpdateService=arn:aws:ecs:...:service/prod/payments"; repeat for several').argParser(collect),
    )
    .addOption(new Option('--request-id <id>', 'use this request id (8-36 letters, digits, dashes) instead of a new UUID'))
    .addOption(new Option('--requester <name>', 'who the request is for, shown to the approver').env('JIT_REQUESTER'))
    .option('--wait', 'wait until the request is granted, denied, expires or is rejected')
    .addOption(new Option('--timeout <s>', 'with --wait: give up after this many seconds (default: the approval window + 1 min)').argParser(wholeNumber('seconds', 86_400)))
    .addHelpText(
      'after',
      '\nExample:\n  jit request --account prod --role Ops --minutes 15 --reason "Restart the stuck payment worker" \\\n    --plan "ecs:UpdateService payments-worker" --wait',
    )
    .action(async (options: RequestOptions, command: Command) => {
      const ctx = context(command);
      if (options.timeout !== undefined && !options.wait) throw new CliError('--timeout only applies with --wait.', EXIT.USAGE, 'Add --wait.');
      if (options.requestId !== undefined && !REQUEST_ID_PATTERN.test(options.requestId)) {
        throw new CliError(`--request-id must be 8-36 letters, digits or dashes, starting with a letter or digit. Received: ${JSON.stringify(options.requestId)}`, EXIT.USAGE);
      }
      const minutes = options.minutes === undefined ? undefined : minutesFor(ctx, options.account, options.role, options.minutes);
      const plannedResources = resourcesOf(options.resource ?? []);
      const submitted = await submitRequest(ctx, {
        account: options.account,
        role: options.role,
        reason: options.reason,
        ...(minutes !== undefined ? { minutes } : {}),
        ...(options.plan ? { plannedActions: options.plan } : {}),
        ...(plannedResources ? { plannedResources } : {}),
        ...(options.requestId ? { requestId: options.requestId } : {}),
        ...(options.requester ? { requester: options.requester } : {}),
      });
      const { requestId } = submitted;
      if (!options.wait) {
        ctx.data({ ...submitted, status: 'REQUESTED' }, requestId);
        if (!ctx.json) ctx.note(`Requested ${submitted.role} in ${submitted.account} for ${submitted.minutes} minutes. Follow it with: jit status ${requestId}`);
        return;
      }
      const timeoutSeconds = options.timeout ?? ctx.settings().approvalWindowMinutes * 60 + 60;
      const spinner = ctx.spinner(`Requested ${requestId}; waiting for the broker…`);
      let granted;
      try {
        granted = await awaitDecision(ctx, requestId, ctx.account(submitted.accountId), timeoutSeconds * 1000, (n) => {
          if (n.outcome === 'Pending Approval') spinner.update(`Waiting for an approver to decide ${requestId}…`);
        }, submitted.contentDigest);
      } finally {
        spinner.stop();
      }
      ctx.data(granted, requestId);
      if (!ctx.json) ctx.note(grantedText(granted));
    });
}

/** `--resource action=arn`, repeated, as `plannedResources` (the broker checks each action is planned). */
function resourcesOf(values: readonly string[]): Record<string, string[]> | undefined {
  if (values.length === 0) return undefined;
  const out: Record<string, string[]> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0 || at === value.length - 1) throw new CliError(`--resource must be <action>=<arn>. Received: ${JSON.stringify(value)}`, EXIT.USAGE);
    const action = value.slice(0, at).trim();
    out[action] = [...(out[action] ?? []), value.slice(at + 1).trim()];
  }
  return out;
}
