import { Command, CommanderError, Option } from 'commander';
import { approveCommand } from './commands/approve';
import { denyCommand } from './commands/deny';
import { pendingCommand } from './commands/pending';
import { reportCommand } from './commands/report';
import { CliContext, type CliIo, type GlobalOptions } from './context';
import { CliError, classifyAwsError } from './errors';
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
};

/** The `jit` program: global options and one subcommand per file in `cli/commands/`. */
export function buildProgram(io: CliIo, makeContext: (options: GlobalOptions, io: CliIo) => CliContext): Command {
  const output = { writeOut: (text: string) => io.out(text), writeErr: (text: string) => io.err(text) };
  const program = new Command('jit')
    .description('Just-in-time AWS access for AI agents: request, approve and audit time-boxed elevation.')
    .version(version, '-V, --version', 'print the version')
    .option('--json', 'print machine-readable JSON on stdout (errors as JSON on stderr)')
    .option('--region <region>', "AWS region of the broker (default: the config's hub region)")
    .addOption(new Option('--endpoint <url>', 'send every AWS API call to this URL, e.g. the local sandbox').env('JIT_ENDPOINT'))
    .addOption(new Option('--config <file>', 'the jit config file (default: ./jit.config.json, else the example)').env('JIT_CONFIG'))
    .showSuggestionAfterError()
    .configureOutput(output)
    .exitOverride();
  const context = (command: Command) => makeContext(command.optsWithGlobals<GlobalOptions>(), io);
  for (const command of [pendingCommand(context), approveCommand(context), denyCommand(context), reportCommand(context)]) {
    program.addCommand(command.configureOutput(output).exitOverride());
  }
  return program;
}

function reportError(error: CliError, io: CliIo, json: boolean): void {
  if (json) {
    io.err(`${JSON.stringify({ error: { code: exitCodeName(error.exitCode), exitCode: error.exitCode, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } })}\n`);
  } else {
    io.err(`jit: ${error.message}\n${error.hint ? `${error.hint}\n` : ''}`);
  }
}

/** Runs `jit` with the given arguments (`process.argv` shape) and returns its exit code. Never exits. */
export async function runJit(argv: readonly string[], options: RunOptions = {}): Promise<ExitCode> {
  const io = options.io ?? processIo;
  const makeContext = options.context ?? ((global: GlobalOptions, contextIo: CliIo) => new CliContext(global, contextIo));
  const program = buildProgram(io, makeContext);
  try {
    await program.parseAsync([...argv]);
    return EXIT.OK;
  } catch (error) {
    const json = program.opts<GlobalOptions>().json === true;
    if (error instanceof CommanderError) {
      // Asked-for help and version are successful exits; anything else commander refused (including no
      // command at all) is a usage error, already explained on stderr by commander.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.OK : EXIT.USAGE;
    }
    const cliError =
      error instanceof CliError
        ? error
        : (classifyAwsError(error) ?? new CliError(error instanceof Error ? `${error.name}: ${error.message}` : String(error), EXIT.FAILURE));
    reportError(cliError, io, json);
    return cliError.exitCode;
  }
}

/** The entry point of `bin/jit.js`: the only place that sets the process exit code. */
export async function main(): Promise<void> {
  process.exitCode = await runJit(process.argv);
}
