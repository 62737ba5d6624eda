import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { Command, Option } from 'commander';
import { activeGrant } from '../agent/active-grant';
import { grantEnvironment } from '../agent/grant-environment';
import type { CliContext } from '../context';
import { ChildExit, CliError } from '../errors';
import { EXIT } from '../exit-codes';

/**
 * Runs a command with the grant's credentials in its environment only: jit's own environment, stdout
 * and stderr never hold them. jit then exits with the command's exit code (128 + signal number when a
 * signal ended it), like `aws-vault exec` and `granted`.
 */
export function runWithGrant(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const done = () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    };
    child.on('error', (error) => {
      done();
      reject(new CliError(`Could not run ${command}: ${error.message}`, EXIT.USAGE, undefined, { cause: error }));
    });
    child.on('exit', (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}

export function execCommand(context: (command: Command) => CliContext): Command {
  return new Command('exec')
    .description('Run one command with the active grant of an account in its environment')
    .requiredOption('--account <id|name>', 'the target account')
    .addOption(new Option('--role <role>', 'only a grant of this role'))
    .argument('<command...>', 'the command and its arguments, after --')
    .addHelpText('after', '\nExample:\n  jit exec --account prod -- aws ecs update-service --cluster main --service payments --force-new-deployment\n')
    .action(async (argv: string[], options: { account: string; role?: string }, command: Command) => {
      const ctx = context(command);
      const account = ctx.account(options.account);
      const secret = await activeGrant(ctx, account, options.role ? { role: options.role } : {});
      const { set, unset } = grantEnvironment(secret);
      const env: NodeJS.ProcessEnv = { ...process.env, ...set };
      for (const name of unset) delete env[name];
      const [program, ...args] = argv;
      throw new ChildExit(await runWithGrant(program, args, env));
    });
}
