import { Command, CommanderError, Option } from 'commander';
import { createSpinner } from 'nanospinner';
import { approveCommand } from './commands/approve';
import { awsConfigCommand } from './commands/aws-config';
import { credsCommand } from './commands/creds';
import { denyCommand } from './commands/deny';
import { endCommand } from './commands/end';
import { envCommand } from './commands/env';
import { execCommand } from './commands/exec';
import { mcpCommand } from './commands/mcp';
import { pendingCommand } from './commands/pending';
import { reportCommand } from './commands/report';
import { requestCommand } from './commands/request';
import { revokeCommand } from './commands/revoke';
import { rolesCommand } from './commands/roles';
import { statusCommand } from './commands/status';
import { CliContext, type CliIo, type GlobalOptions } from './context';
import { ChildExit, CliError, classifyAwsError } from './errors';
import { EXIT, type ExitCode, exitCodeName } from './exit-codes';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../package.json') as { version: string };

export interface RunOptions {
  readonly io?: CliIo;
  /** Builds the context of a command; tests pass their own clock. */
  readonly context?: (options: GlobalOptions, io: CliIo) => CliContext;
}

const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  ...(process.stderr.isTTY
    ? {
        spinner: (text: string) => {
          const spinner = createSpinner(text, { stream: process.stderr }).start();
          return { update: (next: string) => void spinner.update({ text: next }), stop: () => void spinner.clear() };
        },
      }
    : {}),
};

/** The `jit` program: global options and one subcommand per file in `cli/commands/`. */
export function buildProgram(io: CliIo, makeContext: (options: GlobalOptions, io: CliIo) => CliContext, json = false): Command {
  // With --json, commander's own usage errors are reported as one JSON line instead (runJit).
  const output = { writeOut: (text: string) => io.out(text), writeErr: (text: string) => (json ? undefined : io.err(text)) };
  const program = new Command('jit')
    .description('Just-in-time AWS access for AI agents: request, approve and audit time-boxed elevation.')
    .version(version, '-V, --version', 'print the version')
    .option('--json', 'print machine-readable JSON on stdout (errors as JSON on stderr)')
    .option('--region <region>', "AWS region of the broker (default: the config's hub region)")
    .addOption(new Option('--endpoint <url>', 'send every AWS API call to this URL, e.g. the local sandbox').env('JIT_ENDPOINT'))
    .addOption(new Option('--config <file>', 'the jit config file (default: ./jit.config.json, else the example)').env('JIT_CONFIG'))
    .addOption(new Option('--profile <name>', 'the AWS profile of your own credentials (default: the standard chain)').env('JIT_PROFILE'))
    .showSuggestionAfterError()
    .configureOutput(output)
    .exitOverride();
  const context = (command: Command) => makeContext(command.optsWithGlobals<GlobalOptions>(), io);
  const commands = [
    // The agent's side.
    requestCommand(context),
    statusCommand(context),
    rolesCommand(context),
    credsCommand(context),
    envCommand(context),
    execCommand(context),
    endCommand(context),
    awsConfigCommand(context),
    mcpCommand(context),
    // The approver's side.
    pendingCommand(context),
    approveCommand(context),
    denyCommand(context),
    revokeCommand(context),
    // The auditor's side.
    reportCommand(context),
  ];
  for (const command of commands) {
    program.addCommand(command.configureOutput(output).exitOverride());
  }
  return program;
}

function reportError(error: CliError, io: CliIo, json: boolean): void {
  if (json) {
    const body = { code: exitCodeName(error.exitCode), exitCode: error.exitCode, message: error.message, ...(error.hint ? { hint: error.hint } : {}), ...error.details };
    io.err(`${JSON.stringify({ error: body })}\n`);
  } else {
    io.err(`jit: ${error.message}\n${error.hint ? `${error.hint}\n` : ''}`);
  }
}

/**
 * Runs `jit` with the given arguments (`process.argv` shape) and returns its exit code: one of `EXIT`,
 * or for `jit exec` the command's own. Never exits.
 */
export async function runJit(argv: readonly string[], options: RunOptions = {}): Promise<ExitCode | number> {
  const io = options.io ?? processIo;
  const makeContext = options.context ?? ((global: GlobalOptions, contextIo: CliIo) => new CliContext(global, contextIo));
  // Read from the command line itself: commander may refuse it before it has parsed --json.
  const jsonAsked = argv.slice(2, argv.includes('--') ? argv.indexOf('--') : undefined).includes('--json');
  const program = buildProgram(io, makeContext, jsonAsked);
  try {
    await program.parseAsync([...argv]);
    return EXIT.OK;
  } catch (error) {
    if (error instanceof ChildExit) return error.code;
    const json = jsonAsked || program.opts<GlobalOptions>().json === true;
    if (error instanceof CommanderError) {
      // Asked-for help and version are successful exits; anything else commander refused (including no
      // command at all) is a usage error, explained on stderr by commander, or with --json as an error line.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.OK;
      if (json) reportError(new CliError(error.message.replace(/^error: /, ''), EXIT.USAGE, 'See: jit --help, or jit <command> --help'), io, true);
      return EXIT.USAGE;
    }
    const cliError =
      error instanceof CliError
        ? error
        : (classifyAwsError(error, program.opts<GlobalOptions>().endpoint) ?? new CliError(error instanceof Error ? `${error.name}: ${error.message}` : String(error), EXIT.FAILURE));
    reportError(cliError, io, json);
    return cliError.exitCode;
  }
}

/** The entry point of `bin/jit.js`: the only place that sets the process exit code. */
export async function main(): Promise<void> {
  process.exitCode = await runJit(process.argv);
}
