import { Command, Option } from 'commander';
import { REQUEST_ID_PATTERN } from '../../handlers/core/elevation-request';
import { awaitExtension, submitExtension } from '../agent/grant-extension';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { EXIT } from '../exit-codes';
import { wholeNumber } from './request';

interface ExtendOptions {
  minutes: number;
  reason: string;
  requestId?: string;
  requester?: string;
  wait?: boolean;
  timeout?: number;
}

/**
 * `jit extend`: asks for more minutes on a live grant. The extension is a request of its own, routed and
 * approved like one (the approvers see it labelled as an extension, with the time left); approved, a new
 * credential set with its own fence replaces the old one in the secret, and `credential_process` hands it
 * out at its next refresh. Denied, expired or refused, the live grant goes on unchanged.
 */
export function extendCommand(context: (command: Command) => CliContext): Command {
  return new Command('extend')
    .description('Ask for more minutes on a live grant; approved like a request')
    .argument('<requestId>', 'the live request to extend')
    .requiredOption('--minutes <n>', "how many minutes to add (at most the role's maximum)", wholeNumber('minutes', 120))
    .requiredOption('--reason <text>', 'why more time is needed; the approver reads it (at most 500 characters)')
    .addOption(new Option('--request-id <id>', "the extension's own id (8-36 letters, digits, dashes) instead of a new UUID"))
    .addOption(new Option('--requester <name>', 'who the extension is for, shown to the approver').env('JIT_REQUESTER'))
    .option('--wait', 'wait until the extension is approved, denied, expires or is refused')
    .addOption(new Option('--timeout <s>', 'with --wait: give up after this many seconds (default: the approval window + 1 min)').argParser(wholeNumber('seconds', 86_400)))
    .addHelpText('after', '\nExample:\n  jit extend 6f0c2a4e-… --minutes 15 --reason "The deploy is still rolling out" --wait')
    .action(async (requestId: string, options: ExtendOptions, command: Command) => {
      const ctx = context(command);
      if (!REQUEST_ID_PATTERN.test(requestId)) throw new CliError(`Not a request id: ${JSON.stringify(requestId)}.`, EXIT.USAGE);
      if (options.timeout !== undefined && !options.wait) throw new CliError('--timeout only applies with --wait.', EXIT.USAGE, 'Add --wait.');
      if (options.requestId !== undefined && !REQUEST_ID_PATTERN.test(options.requestId)) {
        throw new CliError(`--request-id must be 8-36 letters, digits or dashes, starting with a letter or digit. Received: ${JSON.stringify(options.requestId)}`, EXIT.USAGE);
      }
      const submitted = await submitExtension(ctx, {
        requestId,
        minutes: options.minutes,
        reason: options.reason,
        ...(options.requestId ? { extensionId: options.requestId } : {}),
        ...(options.requester ? { requester: options.requester } : {}),
      });
      if (!options.wait) {
        ctx.data({ ...submitted, status: 'REQUESTED' }, submitted.extensionId);
        if (!ctx.json) ctx.note(`Asked for ${submitted.minutes} more minutes on ${requestId} (now until ${submitted.expiresAt}). Follow it with: jit status ${submitted.extensionId}`);
        return;
      }
      const timeoutSeconds = options.timeout ?? ctx.settings().approvalWindowMinutes * 60 + 60;
      const spinner = ctx.spinner(`Asked to extend ${requestId} (${submitted.extensionId}); waiting for the broker…`);
      let extended;
      try {
        extended = await awaitExtension(ctx, submitted, timeoutSeconds * 1000, (n) => {
          if (n.outcome === 'Pending Approval') spinner.update(`Waiting for an approver to decide extension ${submitted.extensionId}…`);
        });
      } finally {
        spinner.stop();
      }
      ctx.data(extended, submitted.extensionId);
      if (!ctx.json) ctx.note(`Extended ${requestId} until ${extended.expiresAt ?? '(see jit status)'}; ${extended.profile} picks up the new credentials at its next refresh.`);
    });
}
