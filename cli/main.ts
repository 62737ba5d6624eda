import { Command, CommanderError, Option } from 'commander';
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
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const { createSpinner } = require('nanospinner') as typeof import('nanospinner');
          const spinner = createSpinner(text, { stream: process.stderr }).start();
          return { update: (next: string) => void spinner.update({ text: next }), stop: () => void spinner.clear() };
        },
      }
    : {}),
};

type CommandFactory = (context: (command: Command) => CliContext) => Command;

/*
 * Every subcommand, in help order, each loaded only when it runs: `jit creds` does not load what
 * `jit report` or `jit mcp` needs. To add a command, export a factory from a file in `cli/commands/` and
 * add one line here (`require`, so the bundle keeps it lazy; docs/cli.md).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
export const COMMANDS: ReadonlyArray<{ readonly name: string; readonly load: () => CommandFactory }> = [
  // The agent's side.
  { name: 'request', load: () => (require('./commands/request') as typeof import('./commands/request')).requestCommand },
  { name: 'status', load: () => (require('./commands/status') as typeof import('./commands/status')).statusCommand },
  { name: 'roles', load: () => (require('./commands/roles') as typeof import('./commands/roles')).rolesCommand },
  { name: 'creds', load: () => (require('./commands/creds') as typeof import('./commands/creds')).credsCommand },
  { name: 'env', load: () => (require('./commands/env') as typeof import('./commands/env')).envCommand },
  { name: 'exec', load: () => (require('./commands/exec') as typeof import('./commands/exec')).execCommand },
  { name: 'extend', load: () => (require('./commands/extend') as typeof import('./commands/extend')).extendCommand },
  { name: 'end', load: () => (require('./commands/end') as typeof import('./commands/end')).endCommand },
  { name: 'aws-config', load: () => (require('./commands/aws-config') as typeof import('./commands/aws-config')).awsConfigCommand },
  { name: 'mcp', load: () => (require('./commands/mcp') as typeof import('./commands/mcp')).mcpCommand },
  // The approver's side.
  { name: 'pending', load: () => (require('./commands/pending') as typeof import('./commands/pending')).pendingCommand },
  { name: 'approve', load: () => (require('./commands/approve') as typeof import('./commands/approve')).approveCommand },
  { name: 'deny', load: () => (require('./commands/deny') as typeof import('./commands/deny')).denyCommand },
  { name: 'revoke', load: () => (require('./commands/revoke') as typeof import('./commands/revoke')).revokeCommand },
  { name: 'ack', load: () => (require('./commands/ack') as typeof import('./commands/ack')).ackCommand },
  // The auditor's side.
  { name: 'report', load: () => (require('./commands/report') as typeof import('./commands/report')).reportCommand },
  // The operator's side.
  { name: 'doctor', load: () => (require('./commands/doctor') as typeof import('./commands/doctor')).doctorCommand },
];
/* eslint-enable @typescript-eslint/no-require-imports */

/** Global options that take a value, so the word after them is not the command's name. */
const VALUE_OPTIONS: ReadonlySet<string> = new Set(['--region', '--endpoint', '--config', '--profile', '--agent']);

/**
 * The command `argv` (`process.argv` shape) runs, when it names one; else undefined (help, a typo,
 * no command), and then every command is loaded so help and suggestions list them all.
 */
export function commandNamed(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const word = argv[i];
    if (VALUE_OPTIONS.has(word)) i++;
    else if (!word.startsWith('-')) return COMMANDS.some((c) => c.name === word) ? word : undefined;
    else if (word === '--') return undefined;
  }
  return undefined;
}

/**
 * The `jit` program: global options and one subcommand per file in `cli/commands/`. With `only`, just
 * that subcommand is loaded and added; with `json`, usage errors are left to `runJit` to print as JSON.
 */
export function buildProgram(io: CliIo, makeContext: (options: GlobalOptions, io: CliIo) => CliContext, only?: string, json = false): Command {
  // With --json, commander's own usage errors are reported as one JSON line instead (runJit).
  const output = { writeOut: (text: string) => io.out(text), writeErr: (text: string) => (json ? undefined : io.err(text)) };
  const program = new Command('jit')
    .description('Just-in-time AWS access for AI agents: request, approve and audit time-boxed elevation.')
    .version(version, '-V, --version', 'print the version')
    .option('--json', 'print machine-readable JSON on stdout (errors as JSON on stderr)')
    .option('--region <region>', "AWS region of the broker (default: the config's hub region)")
    .addOption(new Option('--endpoint <url>', 'send every AWS API call to this URL, e.g. the local sandbox').env('JIT_ENDPOINT'))
    .addOption(new Option('--config <file>', 'the jit config file (default: ./jit.config.json, ./jit.config.example.json, then ~/.config/jit/jit.config.json)').env('JIT_CONFIG'))
    .addOption(new Option('--profile <name>', 'the AWS profile of your own credentials (default: the standard chain)').env('JIT_PROFILE'))
    .addOption(new Option('--agent <id>', "which configured agent you are: its secrets, queue and event source (default: the config's first agent)").env('JIT_AGENT'))
    .showSuggestionAfterError()
    .configureOutput(output)
    .exitOverride();
  const context = (command: Command) => makeContext(command.optsWithGlobals<GlobalOptions>(), io);
  const commands = COMMANDS.filter((c) => only === undefined || c.name === only).map((c) => c.load()(context));
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
  const program = buildProgram(io, makeContext, commandNamed(argv), jsonAsked);
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
