import type { EventLoopUtilization } from 'node:perf_hooks';
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { requestView } from '../handlers/core/request-view';
import { APPROVER_ROUTE_PREFIX } from '../handlers/http/approver-routes';
import { type LoadedConfig, agentsOf, loadJitConfig, resolveConfigPath } from '../infra/config/load-config';
import { approverRoster } from '../infra/config/jit-config';
import { BROKER_NAMES, auditBucketName } from '../handlers/core/resource-names';
import { ENVIRONMENT_VARIABLES } from '../handlers/core/function-environment';
import type { LocalFunction } from '../workflows/local/local-execution';
import { LocalTaskTokens } from '../workflows/local/task-tokens';
import { SandboxClock } from './clock';
import { invokeWithContext } from './engine/function-infos';
import type { DirectCalls } from './engine/function-aws-transport';
import type { FunctionHost, LoadedFunction } from './engine/functions';
import { type BrokerFunctionWorkers, defaultFunctionWorkers, startBrokerFunctionWorkers } from './engine/function-workers';
import { ExecutionEngine, type ExecutionRecord, type ResumeOutcome } from './engine/executions';
import { type LostExecution, type StoredRequest, lostExecutions } from './engine/lost-executions';
import { elevationRequestSchema } from '../handlers/core/elevation-request';
import { ApproverGate } from './http/approver-gate';
import { AwsRouter } from './http/aws-router';
import { type WireRequest, answerDirectCall } from './http/direct-calls';
import { type PageHandler, SandboxServer } from './http/server';
import { Authorizer } from './iam/authorizer';
import { Identities } from './iam/identities';
import { type SandboxKeys, loadOrCreateKeys } from './iam/keys';
import { SANDBOX_PROFILES, writeSandboxAwsFiles } from './aws-profiles';
import { sandboxPages } from './pages';
import { SlackStandIn } from './slack/slack-stand-in';
import { writeChangedStateFiles } from './store/json-file';
import { CloudFormationEmulation } from './services/cloudformation';
import { CloudTrailEmulation } from './services/cloudtrail';
import { DynamoDbEmulation, tablesOf } from './services/dynamodb';
import { ExecuteApiEmulation } from './services/execute-api';
import { type DeliveredEvent, EventBridgeEmulation, type LoggedEvent, defaultBusRulesOf, rulesOf } from './services/eventbridge';
import { IamEmulation } from './services/iam';
import { IamReadEmulation } from './services/iam-read';
import { S3Emulation, objectLockOf } from './services/s3';
import { SchedulerEmulation } from './services/scheduler';
import { SecretsManagerEmulation, secretsOf } from './services/secrets-manager';
import { KmsEmulation, kmsKeysOf } from './services/kms';
import { type OutboxEntry, SesV2Emulation } from './services/sesv2';
import { LambdaEmulation } from './services/lambda';
import { SfnEmulation } from './services/sfn';
import { SqsEmulation, queuesOf } from './services/sqs';
import { StsEmulation, assumableRoles } from './services/sts';
import { TargetAccountEmulation } from './services/target-account';
import { TrailStore } from './services/trail-store';
import { TrailDelivery } from './services/trail-delivery';
import { SessionS3 } from './services/session-s3';
import { type SynthesizedStack, arnOf, prop, resolve, resourcesOfType } from './template/deployed-template';
import { deployedWorkflow } from './template/deployed-workflow';
import { type SynthesizedInstallation, cachedInstallation } from './template/installation';

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOME = '.jit-local';

export interface SandboxOptions {
  /** Folder for all state. @default `.jit-local` */
  readonly home: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 8787 */
  readonly port: number;
  /** Sandbox time runs this many times faster than real time. @default 1 */
  readonly timeScale: number;
  /** The jit config. @default as the CLI resolves it: JIT_CONFIG, ./jit.config.json, the example */
  readonly configFile?: string;
  /** Where the sandbox narrates what happens (one line per event and email). @default nowhere */
  readonly narrate?: (line: string) => void;
  /** Log level of the broker's handlers (Powertools). @default WARN */
  readonly handlerLogLevel?: string;
  /**
   * How many worker threads run the broker's Lambda functions (sandbox/engine/function-workers.ts); 0 runs
   * them on the main thread, with the AWS emulation. @default 1 with two or more cores, else 0
   */
  readonly functionWorkers?: number;
  /**
   * How the broker's functions send their AWS calls: `direct`, the signed request handed to the AWS router
   * without a socket (sandbox/engine/function-aws-transport.ts), or `http`, over the sandbox's HTTP
   * listener as every other caller does. The router checks, authorizes and records both alike. @default direct
   */
  readonly functionCalls?: FunctionCalls;
}

/** How the broker's functions reach the sandbox's AWS emulation (`SandboxOptions.functionCalls`). */
export type FunctionCalls = 'direct' | 'http';

/** A running sandbox. */
export interface RunningSandbox {
  readonly url: string;
  readonly home: string;
  readonly keys: SandboxKeys;
  readonly clock: SandboxClock;
  readonly config: LoadedConfig;
  readonly installation: SynthesizedInstallation;
  /** What the start did with the executions that were running: which continue, which cannot and why. */
  readonly resume: ResumeOutcome;
  /** Requests whose execution was gone at start (file deleted or unreadable), ended FAILED. */
  readonly lost: readonly LostExecution[];
  /** Schedules that were due while the sandbox was stopped and fired on start. */
  readonly overdueSchedules: number;
  /**
   * The approver secret: the outbox and review-page decisions need it (`sandbox/http/approver-gate.ts`).
   * Written to the approver's env file only.
   */
  readonly approverSecret: string;
  /** Opening this link signs a browser in as the approver. */
  readonly approverSignInUrl: string;
  /** Env files that point the AWS CLI, the SDKs and `jit` at the sandbox with a key. */
  readonly envFiles: Readonly<Record<'agent' | 'approver', string>>;
  /**
   * Every configured agent's env file, by agent id: the first agent's is `envFiles.agent`; each further
   * agent's, `agent-<id>.env`, points at its own AWS files and sets `JIT_AGENT`.
   */
  readonly agentEnvFiles: Readonly<Record<string, string>>;
  readonly engine: ExecutionEngine;
  /** How many worker threads run the broker's functions (0: the main thread runs them). */
  readonly functionWorkers: number;
  /** How they send their AWS calls. */
  readonly functionCalls: FunctionCalls;
  /** How busy each function worker's event loop has been since it started (none without workers). */
  functionWorkerUtilization(): EventLoopUtilization[];
  /** How many AWS API calls the sandbox has answered since it started, over HTTP or direct. */
  awsCallsAnswered(): number;
  stop(): Promise<void>;
}

/** Single-quoted for a POSIX shell. */
function shellQuoted(value: string): string {
  return /^[\w./@:+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function envFile(values: Record<string, string>): string {
  const lines = Object.entries(values).map(([k, v]) => `export ${k}=${shellQuoted(v)}`);
  return (
    '# Written by the JIT sandbox: `. <this file>` points the AWS CLI, the AWS SDKs and jit at it.\n' +
    '# Keys come from a named profile, so AWS_PROFILE=jit-<account> picks a grant (environment keys would win over it).\n' +
    `unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE AWS_CREDENTIAL_EXPIRATION\n${lines.join('\n')}\n`
  );
}

function describeEvent(logged: LoggedEvent): string {
  const { event } = logged;
  const d = event.detail as { requestId?: string; account?: string; accountName?: string; role?: string; expiresAt?: string; minutes?: number; reason?: string };
  const who = [d.requestId, d.accountName ?? d.account, d.role].filter(Boolean).join(' ');
  const extra = event['detail-type'] === 'Elevation Granted' && d.expiresAt ? ` until ${d.expiresAt}` : '';
  return `${event.source} ${event['detail-type']}${who ? `: ${who}` : ''}${extra}`;
}

/**
 * API Gateway answers an unsigned call to an IAM-authorized route with 403 before anything runs; the
 * sandbox's signed calls go to its execute-api emulation, so only unsigned ones reach the pages.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
 */
function refuseUnsignedApproverRoutes(pages: PageHandler): PageHandler {
  return async (request) =>
    request.path === APPROVER_ROUTE_PREFIX || request.path.startsWith(`${APPROVER_ROUTE_PREFIX}/`)
      ? { status: 403, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Forbidden' }) }
      : pages(request);
}

/**
 * The broker's functions on the main thread (no workers), their SDK clients sending through the direct
 * transport too (unless the sandbox was told `http`). Loaded only then: with workers, this thread never loads the handlers' code.
 */
async function functionsInProcess(stack: SynthesizedStack, host: FunctionHost, directCalls: DirectCalls | undefined): Promise<LoadedFunction[]> {
  const [{ loadBrokerFunctions }, { DirectCallHandler }] = await Promise.all([import('./engine/functions'), import('./engine/function-aws-transport')]);
  const endpoint = host.aws.endpoint;
  return loadBrokerFunctions(stack, directCalls && endpoint ? { ...host, aws: { ...host.aws, requestHandler: new DirectCallHandler(directCalls, endpoint) } } : host);
}

/**
 * Starts the whole broker offline: synthesizes the app from the config, serves local emulations of the
 * AWS APIs the system calls on one HTTP port (SigV4-checked, in the AWS wire protocols), loads the real
 * Lambda handler modules with the template's environment pointed at it (in a worker thread by default,
 * sandbox/engine/function-workers.ts), runs the synthesized state
 * machine for each request, and reconciles what happened while it was stopped.
 */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const workerCount = options.functionWorkers ?? defaultFunctionWorkers();
  const functionCalls = options.functionCalls ?? 'direct';
  if (functionCalls !== 'direct' && functionCalls !== 'http') throw new RangeError(`functionCalls must be direct or http. Received: ${String(functionCalls)}`);
  if (!(Number.isInteger(workerCount) && workerCount >= 0)) throw new RangeError(`functionWorkers must be a whole number, 0 or more. Received: ${workerCount}`);
  const home = resolvePath(options.home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const narrate = options.narrate ?? (() => undefined);
  const config = loadJitConfig(options.configFile ? resolvePath(options.configFile) : resolveConfigPath());
  const installation = cachedInstallation(config, home);
  const hub = { account: installation.hubAccount, region: installation.region };
  const clock = SandboxClock.persisted(home, options.timeScale);
  const keys = loadOrCreateKeys(home, agentsOf(config.config).map((agent) => agent.id));
  const identities = new Identities(keys, config.config, home);
  const trail = new TrailStore(home);
  const roles = assumableRoles(installation.targets.values());
  const iam = new IamEmulation(home, (account, roleName) => roles.has(`arn:aws:iam::${account}:role/${roleName}`));
  const authorizer = new Authorizer(installation, iam, clock);
  const fallback = new TargetAccountEmulation(authorizer);
  iam.useAuthorizer(authorizer, fallback);

  const broker = installation.broker;
  const workflow = deployedWorkflow(broker);
  const { stateMachineArn } = workflow;
  const buses = new Map<string, string>([['default', `arn:aws:events:${hub.region}:${hub.account}:event-bus/default`]]);
  for (const [id, resource] of resourcesOfType(broker, 'AWS::Events::EventBus')) buses.set(String(prop(resource, 'Name')), arnOf(broker, id, resource));

  const handlers = new Map<string, LocalFunction>();
  const tokens = new LocalTaskTokens(() => clock.nowMs());
  // Events can only start executions once the engine exists; it needs the handlers, which need the URL.
  const late: { engine?: ExecutionEngine; lost?: readonly LostExecution[] } = {};

  const invokeFunction = async (functionArn: string, payload: unknown) => {
    const handler = handlers.get(functionArn);
    if (!handler) throw new Error(`No function ${functionArn} in the broker stack.`);
    await invokeWithContext(handler, functionArn, JSON.parse(JSON.stringify(payload)));
  };
  const dispatch = (target: string, event: DeliveredEvent): void => {
    if (target === stateMachineArn) {
      if (!late.engine) throw new Error('The workflow is not running yet.');
      late.engine.start(event);
      return;
    }
    if (sqs.deliver(target, JSON.stringify(event))) return;
    if (handlers.has(target)) {
      // A function target runs after the answer; it keeps no record of its own (see docs/sandbox.md).
      setImmediate(() => {
        invokeFunction(target, event).catch((error: unknown) => console.error(`sandbox: delivering event ${event.id} to ${target} failed: ${(error as Error).message}`));
      });
      return;
    }
    throw new Error(`The sandbox cannot deliver to ${target}.`);
  };

  /**
   * Ends each request whose execution is gone the way the workflow ends a failed one: the notify function
   * records FAILED with the reason and publishes "Elevation Failed" (stage `sandbox`).
   */
  const failLostRequests = async (lost: readonly LostExecution[]): Promise<void> => {
    const notify = functions.find((f) => f.entry === 'notify');
    for (const request of lost) {
      const stored = dynamodb.items(BROKER_NAMES.requestTable).find((item) => item.requestId === request.requestId);
      const parsed = elevationRequestSchema.safeParse(stored);
      if (!notify || !parsed.success) {
        narrate(`request ${request.requestId} has no execution and cannot be ended: ${notify ? 'its record is not a request' : 'no notify function'}`);
        continue;
      }
      try {
        await invokeFunction(notify.arn, { outcome: 'Failed', stage: 'sandbox', request: parsed.data, error: { Error: 'ExecutionLost', Cause: request.reason } });
        narrate(`request ${request.requestId} (${request.status}) ended FAILED: ${request.reason}`);
      } catch (error) {
        narrate(`request ${request.requestId} has no execution and could not be ended: ${(error as Error).message}`);
      }
    }
  };

  const dynamodb = new DynamoDbEmulation(tablesOf(broker), home, authorizer);
  // approval.slack: a local Slack workspace, and the Slack secret the operator would create, holding its credentials.
  const slackSettings = config.config.approval.slack;
  const slack = slackSettings ? new SlackStandIn(home, slackSettings, () => url, () => clock.now()) : undefined;
  const slackSecret = slack && slackSettings ? [{ name: slackSettings.secretName, initialValue: slack.secretString, description: 'Slack stand-in credentials (sandbox)' }] : [];
  const secrets = new SecretsManagerEmulation([...secretsOf(broker), ...slackSecret], home, hub, authorizer, clock);
  const events = new EventBridgeEmulation(buses, rulesOf(broker), home, authorizer, clock, dispatch, hub.region);
  // Each recorded call reaches the default bus of its own account and region, whose rules (the target
  // accounts' tripwire forwarders, infra/constructs/tripwire-forwarder.ts) send broker sessions' calls on.
  const defaultBusRules = defaultBusRulesOf([...installation.targets.values(), ...installation.forwarders]);
  trail.onRecord((record) => events.forwardTrailRecord(defaultBusRules, record));
  const scheduler = new SchedulerEmulation(home, hub, authorizer, clock, invokeFunction);
  const ses = new SesV2Emulation(home, hub, authorizer, clock, [config.config.approval.sender, ...approverRoster(config.config.approval)]);
  const bucketResources = resourcesOfType(broker, 'AWS::S3::Bucket').map(([, r]) => [String(prop(r, 'BucketName') ?? auditBucketName(hub.account, hub.region)), r] as const);
  const buckets = bucketResources.map(([name]) => name);
  // Trails of data events (accounts[].dataEventTrail): their buckets live in the sandbox's S3, and the trail
  // delivers each data event there as a log file, for the audit to read through the audit reader role.
  const trailBuckets = config.config.accounts.flatMap((a) => (a.dataEventTrail ? [{ accountId: a.id, bucket: a.dataEventTrail.bucket, ...(a.dataEventTrail.prefix ? { prefix: a.dataEventTrail.prefix } : {}) }] : []));
  const s3 = new S3Emulation([...buckets, ...new Set(trailBuckets.map((t) => t.bucket))], home, authorizer, clock, Object.fromEntries(bucketResources.map(([name, r]) => [name, objectLockOf(r.Properties)])));
  const trailDelivery = new TrailDelivery(trailBuckets, s3, () => clock.now());
  trail.onRecord((record) => trailDelivery.deliver(record));
  const sts = new StsEmulation(roles, identities, authorizer, clock, hub.account);
  const sfn = new SfnEmulation(tokens, stateMachineArn, authorizer);
  const cloudtrail = new CloudTrailEmulation(trail, authorizer, hub.region);
  // Read-only views of the installation for `jit doctor`: the stacks as deployed, IAM's reads and simulator.
  const stacks = [broker, ...installation.targets.values(), ...installation.forwarders];
  const startedAt = clock.now();
  const cloudformation = new CloudFormationEmulation(stacks, authorizer, () => startedAt, fallback);
  const iamRead = new IamReadEmulation(stacks, iam, authorizer, fallback);
  const sqs = new SqsEmulation(queuesOf(broker), home, hub, authorizer, clock);
  const kms = new KmsEmulation(kmsKeysOf(broker), home, authorizer);
  const lambda = new LambdaEmulation(() => handlers, authorizer);
  let review: ((event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>) | undefined;
  const approvalApi = resourcesOfType(broker, 'AWS::ApiGatewayV2::Api')[0];
  if (!approvalApi) throw new Error('The broker stack defines no HTTP API.');
  const executeApi = new ExecuteApiEmulation(
    { apiId: String(resolve({ Ref: approvalApi[0] }, broker)), accountId: hub.account, region: hub.region },
    authorizer,
    clock,
    () => {
      if (!review) throw new Error('The approval function is not loaded yet.');
      return review;
    },
  );

  const router = new AwsRouter({
    identities,
    hubServices: [dynamodb, secrets, events, scheduler, ses, s3, sts, sfn, cloudtrail, sqs, lambda, cloudformation, iamRead, executeApi, kms],
    sessionServices: [sts, cloudtrail, iam, new SessionS3(s3, trailDelivery.buckets(), fallback)],
    fallback,
    trail,
    clock,
  });

  let url = '';
  let slackInteractions: ((event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>) | undefined;
  const reportBucket = buckets[0] ?? '';
  const gate = ApproverGate.persisted(home);
  const server = new SandboxServer(
    router,
    refuseUnsignedApproverRoutes(gate.guard(sandboxPages({
      url: () => url,
      outbox: () => ses.list(),
      outboxFile: (file) => (existsSync(join(ses.folder, file)) ? readFileSync(join(ses.folder, file)) : undefined),
      // Request records only: the table's lease, quota and tripwire items carry no `status`.
      requests: () => dynamodb.items(BROKER_NAMES.requestTable).filter((item) => typeof item.status === 'string').map((item) => requestView(item)),
      events: () => events.log(),
      reportKeys: () => s3.keys(reportBucket),
      report: (key) => s3.read(reportBucket, key),
      now: () => clock.now(),
      auditTiming: { delayMinutes: config.config.audit.delayMinutes, maxLagMinutes: config.config.audit.maxLagMinutes },
      executions: () => late.engine?.list() ?? [],
      lostExecutions: () => late.lost ?? [],
      unreadableExecutions: () => late.engine?.unreadable() ?? [],
      review: async (event) => {
        if (!review) throw new Error('The approval function is not loaded yet.');
        return review(event);
      },
      ...(slack
        ? {
            slack: (request) => slack.handle(request),
            slackInteractions: async (event) => {
              if (!slackInteractions) throw new Error('The Slack interaction function is not loaded yet.');
              return slackInteractions(event);
            },
          }
        : {}),
    }))),
  );
  url = await server.listen('127.0.0.1', options.port);

  // The handlers as deployed, pointed at the sandbox: every SDK client gets its endpoint, region and the
  // broker's key explicitly, and an endpoint or credentials given to a client win over any in this
  // process's environment (AWS_ENDPOINT_URL_*, a profile), so nothing sends them elsewhere. The sandbox's
  // clock dates the grant window, the time fence and the audit.
  // @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
  const host: Omit<FunctionHost, 'clock'> = {
    logLevel: options.handlerLogLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    aws: { region: hub.region, endpoint: url, credentials: { accessKeyId: keys.broker.accessKeyId, secretAccessKey: keys.broker.secretAccessKey } },
    region: hub.region,
    // Identity proofs (jit end, jit revoke) are presigned for the endpoint the CLI talks to: this one.
    stsProofEndpoint: url,
    // The broker's Slack calls go to the stand-in, never to slack.com.
    ...(slack ? { slackApiUrl: `${url}/slack/api` } : {}),
    // The sandbox does not emulate IAM Access Analyzer: the functions do not ask it, and every proof is "not proven".
    accessAnalyzer: false,
    environment: { [ENVIRONMENT_VARIABLES.reviewBaseUrl]: url },
  };
  // The functions' signed requests reach the router without a socket (engine/function-aws-transport.ts):
  // the SDK does everything else as it does in Lambda, the router checks and records them as any call.
  const directCalls = functionCalls === 'direct' ? (request: WireRequest) => answerDirectCall(router, request) : undefined;
  // In worker threads, the clock goes as its anchor and each worker rebuilds it: the same time in every thread.
  let workers: BrokerFunctionWorkers | undefined;
  try {
    workers = workerCount > 0 ? await startBrokerFunctionWorkers(broker, { ...host, clock: clock.anchorPoint }, workerCount, directCalls) : undefined;
  } catch (error) {
    await server.close();
    throw error;
  }
  // On the main thread only without workers: with them, this thread never loads the handlers' code (nor their SDK clients).
  const functions: LoadedFunction[] = workers?.functions ?? (await functionsInProcess(broker, { ...host, clock }, directCalls));
  for (const fn of functions) {
    if (fn.entry === 'approval-web') {
      review = fn.handler as (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
    } else if (fn.entry === 'slack-interactions') {
      slackInteractions = fn.handler as (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
      // Also invocable through Lambda's API: it hands each accepted press to itself asynchronously.
      handlers.set(fn.arn, fn.handler);
    } else {
      handlers.set(fn.arn, fn.handler);
    }
  }

  const engine = new ExecutionEngine({
    home,
    definition: workflow.definition,
    stateMachineArn,
    functions: handlers,
    tokens,
    clock,
    onFinished: (record: ExecutionRecord) => narrate(`execution ${record.name} ${record.status.toLowerCase()} in ${record.finalState}`),
  });
  late.engine = engine;

  events.onEvent((logged) => {
    if (logged.event.source !== 'jit.agent') narrate(describeEvent(logged));
    else narrate(`${logged.event.source} ${logged.event['detail-type']} received`);
  });
  ses.onEmail((entry: OutboxEntry) => narrate(`email to ${entry.to.join(', ')}: "${entry.subject}" → ${url}/outbox/${entry.id}.html`));

  const overdueSchedules = scheduler.pending().filter((s) => Date.parse(s.retryAt ?? s.fireAt) <= clock.nowMs()).length;
  const resume = engine.resumeAll();
  const lost = lostExecutions(dynamodb.items(BROKER_NAMES.requestTable) as unknown as StoredRequest[], engine.list(), engine.unreadable());
  scheduler.start();
  late.lost = lost;
  await failLostRequests(lost);

  const envFiles = { agent: join(home, 'agent.env'), approver: join(home, 'approver.env') };
  const awsFiles = writeSandboxAwsFiles({ home, url, region: hub.region, keys, config: config.config, configFile: config.file });
  const approverSignInUrl = gate.signInUrl(url);
  const common = {
    JIT_CONFIG: config.file,
    // jit dates what it signs and checks (grant validity, cache bound, identity proofs) in sandbox time.
    JIT_SANDBOX_CLOCK: join(home, 'clock.json'),
    AWS_REGION: hub.region,
    AWS_DEFAULT_REGION: hub.region,
    AWS_ENDPOINT_URL: url,
    JIT_ENDPOINT: url,
  };
  for (const holder of ['agent', 'approver'] as const) {
    writeFileSync(
      envFiles[holder],
      envFile({
        AWS_CONFIG_FILE: awsFiles.configFile,
        AWS_SHARED_CREDENTIALS_FILE: awsFiles.credentialsFile,
        AWS_PROFILE: SANDBOX_PROFILES[holder],
        JIT_PROFILE: SANDBOX_PROFILES[holder],
        ...common,
        // The approver's only: the agent's env must not lead to the outbox or to a decision.
        ...(holder === 'approver' ? { JIT_SANDBOX_APPROVER_SECRET: gate.secret, JIT_SANDBOX_APPROVER_URL: approverSignInUrl } : {}),
      }),
      { mode: 0o600 },
    );
  }
  const agentEnvFiles: Record<string, string> = { [agentsOf(config.config)[0].id]: envFiles.agent };
  for (const agent of awsFiles.agents) {
    agentEnvFiles[agent.agentId] = join(home, `agent-${agent.agentId}.env`);
    writeFileSync(
      agentEnvFiles[agent.agentId],
      envFile({
        AWS_CONFIG_FILE: agent.configFile,
        AWS_SHARED_CREDENTIALS_FILE: agent.credentialsFile,
        AWS_PROFILE: agent.profile,
        JIT_PROFILE: agent.profile,
        // jit acts as this agent: its secrets, its queue, its event source.
        JIT_AGENT: agent.agentId,
        ...common,
      }),
      { mode: 0o600 },
    );
  }

  // What the start made (keys, the approver's secret, sessions) is on disk before anyone is told of it.
  writeChangedStateFiles();
  let stopped = false;
  return {
    url,
    home,
    keys,
    clock,
    config,
    installation,
    resume,
    lost,
    overdueSchedules,
    approverSecret: gate.secret,
    approverSignInUrl,
    envFiles,
    agentEnvFiles,
    engine,
    functionWorkers: workers ? workerCount : 0,
    functionCalls,
    functionWorkerUtilization: () => workers?.pool.eventLoopUtilization() ?? [],
    awsCallsAnswered: () => router.callsAnswered,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      scheduler.stop();
      await engine.stop();
      // The functions' threads end with the sandbox; what they were still running fails (SandboxStopped).
      await workers?.stop();
      await server.close();
      writeChangedStateFiles();
    },
  };
}
