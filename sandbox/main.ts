import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../infra/config/load-config';
import { DEFAULT_HOME, DEFAULT_PORT, type FunctionCalls, type RunningSandbox, startSandbox } from './sandbox';
import { StateFileError } from './store/json-file';

interface MainOptions {
  readonly port: number;
  readonly home: string;
  readonly timeScale: number;
  readonly config?: string;
  readonly verbose?: boolean;
  readonly functionWorkers?: number;
  readonly functionCalls?: FunctionCalls;
}

function integer(name: string, min: number, max: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    }
    return Number(value);
  };
}

/** Sandbox seconds as real time at `scale`, for people: "15 s", "3 min". */
function realDuration(sandboxSeconds: number, scale: number): string {
  const seconds = sandboxSeconds / scale;
  return seconds < 120 ? `${Math.round(seconds)} real seconds` : `${Math.round(seconds / 60)} real minutes`;
}

function time(): string {
  return new Date().toISOString().slice(11, 19);
}

/** What the sandbox prints at start: what it is, where, the keys, and what to try next. */
export function banner(sandbox: RunningSandbox, startedInMs?: number): string {
  const { url, keys, config, clock } = sandbox;
  // Absolute, so every command can be pasted into a terminal in any folder.
  const home = sandbox.home;
  const hub = config.config.hub;
  const prod = config.config.accounts[0];
  const role = config.config.roles.find((r) => !prod.roles || prod.roles.includes(r.name)) ?? config.config.roles[0];
  return [
    '',
    'JIT sandbox: the just-in-time access broker, running offline.',
    '',
    `  URL      ${url}  (AWS APIs in their wire protocols, review links, ${url}/outbox)`,
    `  State    ${home}/  (delete it to start over)`,
    ...(config.config.approval.slack ? [`  Slack    ${url}/slack  (a local stand-in for the approvers' Slack workspace; docs/slack.md)`] : []),
    `  Config   ${config.file}: hub ${hub.account} ${hub.region}; ${config.config.accounts.map((a) => `${a.name} ${a.id}`).join(', ')}`,
    `  Time     ${clock.scale === 1 ? 'real time' : `${clock.scale}x real time (--time-scale ${clock.scale}): a 15-minute grant lasts ${realDuration(15 * 60, clock.scale)}, the approval window ${realDuration(config.config.approval.windowMinutes * 60, clock.scale)}`}; sandbox now ${clock.now().toISOString()}`,
    `  Lambda   the broker's functions run ${sandbox.functionWorkers === 0 ? 'on the main thread' : `in ${sandbox.functionWorkers} worker thread${sandbox.functionWorkers === 1 ? '' : 's'}`} (--function-workers), their AWS calls ${sandbox.functionCalls === 'direct' ? 'handed to the AWS emulation without a socket' : 'over HTTP'} (--function-calls)`,
    ...(startedInMs !== undefined ? [`  Started  in ${(startedInMs / 1000).toFixed(1)} s`] : []),
    '',
    'Keys (every call is SigV4-checked; these keys exist only in this sandbox):',
    `  agent     ${keys.agent.accessKeyId} / ${keys.agent.secretAccessKey}   env: . ${home}/agent.env`,
    ...Object.entries(sandbox.agentEnvFiles)
      .filter(([, file]) => file !== sandbox.envFiles.agent)
      .map(([id, file]) => `  agent ${id}  ${keys.agents[id]?.accessKeyId ?? '?'} / ${keys.agents[id]?.secretAccessKey ?? '?'}   env: . ${file}  (jit acts as ${id})`),
    `  approver  ${keys.approver.accessKeyId} / ${keys.approver.secretAccessKey}   env: . ${home}/approver.env`,
    `  broker    ${keys.broker.accessKeyId} (the broker's own functions)`,
    '',
    `Approver sign-in (the outbox and review-page decisions need it; it is in approver.env, never in agent.env):`,
    `  ${sandbox.approverSignInUrl}`,
    '',
    'Try it (in another terminal):',
    `  1. As the agent, ask for ${role.name} in ${prod.name}:`,
    `       . ${home}/agent.env`,
    `       npx jit request --account ${prod.name} --role ${role.name} --minutes ${role.defaultMinutes} --reason "Restart the stuck payment worker"`,
    `  2. Sign in with the approver link above, read the approval email at ${url}/outbox and approve from its link, or as the approver:`,
    `       . ${home}/approver.env && npx jit pending && npx jit approve <requestId>`,
    `  3. As the agent, take the credentials and use them:`,
    `       . ${home}/agent.env && npx jit creds --account ${prod.name}`,
    `       AWS_PROFILE=jit-${prod.name} aws --endpoint-url ${url} sts get-caller-identity`,
    `       npx jit exec --account ${prod.name} -- aws --endpoint-url ${url} sts get-caller-identity`,
    `  4. Watch ${url}/ for the grant to end, the secret to reset and the audit report to appear (the page says when it is due).`,
    '',
    `Walkthrough: README.md ("Try it offline"); details: docs/sandbox.md. Ctrl-C stops; state stays in ${home}/.`,
    '',
  ].join('\n');
}

/**
 * What the start did with the state a previous run left: how many executions continue, and each one
 * that cannot, with its file and why (its file is left as it was, for the user to look at).
 */
export function reconciliation(sandbox: Pick<RunningSandbox, 'resume' | 'overdueSchedules'> & Partial<Pick<RunningSandbox, 'lost'>>): string[] {
  const { resume, overdueSchedules } = sandbox;
  const lost = sandbox.lost ?? [];
  if (resume.resumed.length === 0 && resume.failed.length === 0 && overdueSchedules === 0 && lost.length === 0) return [];
  const lines = [
    `reconciled: ${resume.resumed.length} execution(s) continued, ${resume.failed.length} could not continue, ${overdueSchedules} overdue reset schedule(s) firing now${lost.length > 0 ? `, ${lost.length} request(s) without an execution ended FAILED` : ''}`,
  ];
  for (const failed of resume.failed) lines.push(`  could not continue ${failed.name ?? 'an execution'}: ${failed.reason}`);
  for (const request of lost) lines.push(`  request ${request.requestId} (was ${request.status}) ended FAILED: no execution continues it`);
  return lines;
}

async function main(): Promise<void> {
  // On Node.js 20 the AWS SDK prints a 9-line notice that its releases after January 2027 need Node.js 22,
  // in the middle of this output; Node.js 22+ is what the README asks for (docs/cli.md, "Node.js").
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const program = new Command('jit-sandbox')
    .description('Run the whole JIT broker offline on 127.0.0.1')
    .addOption(new Option('--port <port>', 'TCP port (0: any free port)').env('JIT_PORT').argParser(integer('--port', 0, 65535)).default(DEFAULT_PORT))
    .addOption(new Option('--home <dir>', 'folder for all sandbox state').env('JIT_HOME').default(DEFAULT_HOME))
    .addOption(new Option('--time-scale <n>', 'run sandbox time n times faster than real time').env('JIT_TIME_SCALE').argParser(integer('--time-scale', 1, 10_000)).default(1))
    .addOption(new Option('--config <file>', 'the jit config (default: ./jit.config.json, else the example)').env('JIT_CONFIG'))
    .option('--verbose', "show the broker handlers' own logs")
    .addOption(
      new Option('--function-workers <n>', "worker threads that run the broker's Lambda functions; 0: the main thread (default: 1 with two or more cores, else 0)")
        .env('JIT_FUNCTION_WORKERS')
        .argParser(integer('--function-workers', 0, 16)),
    )
    .addOption(
      new Option('--function-calls <how>', "how the broker's functions send their AWS calls: direct (to the AWS emulation, no socket) or http (over the listener)")
        .env('JIT_FUNCTION_CALLS')
        .choices(['direct', 'http'])
        .default('direct'),
    )
    .showSuggestionAfterError();
  program.parse();
  const options = program.opts<MainOptions>();

  let sandbox: RunningSandbox;
  try {
    sandbox = await startSandbox({
      home: options.home,
      port: options.port,
      timeScale: options.timeScale,
      ...(options.config ? { configFile: options.config } : {}),
      handlerLogLevel: options.verbose ? 'INFO' : 'WARN',
      ...(options.functionWorkers === undefined ? {} : { functionWorkers: options.functionWorkers }),
      ...(options.functionCalls ? { functionCalls: options.functionCalls } : {}),
      narrate: (line) => console.log(`${time()}  ${line}`),
    });
  } catch (error) {
    if (error instanceof StateFileError) {
      console.error(`The sandbox cannot start: ${error.message} Nothing was changed.`);
      process.exitCode = 1;
      return;
    }
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exitCode = 3;
      return;
    }
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(`Port ${options.port} is in use: another sandbox may be running. Stop it, or pick another port with --port or JIT_PORT.`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
  // From the process's own start (Node's start-up and module loading included), to the port answering.
  console.log(banner(sandbox, process.uptime() * 1000));
  for (const line of reconciliation(sandbox)) console.log(`${time()}  ${line}`);
  console.log(`${time()}  listening on ${sandbox.url}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${time()}  ${signal}: stopping; running executions continue on the next start`);
    // Everything is on disk already; a stop that hangs must not keep the port.
    const deadline = new Promise((resolve) => setTimeout(resolve, 3000).unref());
    void Promise.race([sandbox.stop(), deadline]).then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();
