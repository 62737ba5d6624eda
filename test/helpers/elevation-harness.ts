import { FakeAws } from '../fakes/fake-aws';
import type { FunctionEntry } from '../../handlers/core/function-environment';
import { type FunctionHost, type LoadedFunction, loadBrokerFunctions } from '../../sandbox/engine/functions';
import type { SynthesizedStack } from '../../sandbox/template/deployed-template';
import { type DeployedWorkflow, deployedWorkflow } from '../../sandbox/template/deployed-workflow';
import { type LocalExecutionResult, runLocalExecution } from '../../workflows/local/local-execution';
import { STATE } from '../../workflows/state-names';
import { agentSecretName } from '../../handlers/core/agents';
import { agentsOf } from '../../handlers/core/broker-settings';
import { PLACEHOLDER_SECRET_STRING } from '../../handlers/core/secret-value';
import { type LoadedConfig, toBrokerSettings } from '../../infra/config/load-config';
import { synthesizedStack } from './iam-template';
import { exampleConfig, synthApp } from './synth';

/** Where the example config deploys the broker. */
export const CTX = { partition: 'aws', region: 'eu-west-1', accountId: '111111111111' } as const;
export const PROD = '222222222222';

let cached: { stack: SynthesizedStack; workflow: DeployedWorkflow } | undefined;
let harnessConfig: LoadedConfig | undefined;

/**
 * Runs this test file's elevations against the broker synthesized from `config` instead of the example
 * config, and makes `newFakeAws` hold that config's accounts and agents' secrets. Call it before the first
 * run: the synthesized stack is cached.
 */
export function useHarnessConfig(config: LoadedConfig): void {
  harnessConfig = config;
  cached = undefined;
}

/** The synthesized broker stack and its state machine, intrinsics resolved as the sandbox resolves them. */
export function synthesizedElevation(): { stack: SynthesizedStack; workflow: DeployedWorkflow } {
  if (cached) return cached;
  const stack = synthesizedStack(synthApp(harnessConfig ?? exampleConfig()).stacks.broker);
  if (stack.account !== CTX.accountId || stack.region !== CTX.region) throw new Error(`The config deploys to ${stack.account} ${stack.region}, not to CTX.`);
  cached = { stack, workflow: deployedWorkflow(stack) };
  return cached;
}

/**
 * The real broker functions as deployed, through the sandbox's loader: each with its template environment
 * and the fake world's virtual clock (every Wait state of a local run advances it, so expiry, CloudTrail lag
 * and the audit's polling pass in no real time). Their SDK clients are the ones FakeAws mocks.
 */
export function deployedFunctions(aws: FakeAws, host: Partial<FunctionHost> = {}): LoadedFunction[] {
  return loadBrokerFunctions(synthesizedElevation().stack, {
    clock: aws.clock,
    logLevel: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
    aws: { region: CTX.region },
    region: CTX.region,
    ...host,
  });
}

/** One deployed function by its entry, e.g. `approval-web`. */
export function deployedFunction(aws: FakeAws, entry: FunctionEntry, host: Partial<FunctionHost> = {}): LoadedFunction {
  const found = deployedFunctions(aws, host).find((fn) => fn.entry === entry);
  if (!found) throw new Error(`The broker stack has no ${entry} function.`);
  return found;
}

/** Request events come from the one fixture builder; re-exported for the workflow tests that import them from here. */
export { requestEvent } from './fixtures';

export interface RunOptions {
  readonly beforeTask?: (state: string, input: unknown) => Promise<void> | void;
  readonly approvalTimeoutSeconds?: number;
  /** Stops the execution (as StopExecution would): it ends FAILED with `ExecutionAborted`, its task token gone. */
  readonly signal?: AbortSignal;
}

/** Runs one execution of the synthesized workflow against the fakes, in virtual time. */
export function runElevation(aws: FakeAws, event: unknown, options: RunOptions = {}): Promise<LocalExecutionResult> {
  const { workflow } = synthesizedElevation();
  return runLocalExecution(event, {
    definition: workflow.definition,
    functions: new Map(deployedFunctions(aws).map((fn) => [fn.arn, fn.handler])),
    tokens: aws.tokens,
    clock: aws.clock,
    retryIntervalOverrides: Object.fromEntries(Object.keys(workflow.definition.States).map((s) => [s, 0])),
    ...(options.approvalTimeoutSeconds ? { taskTimeoutOverrides: { [STATE.awaitApproval]: options.approvalTimeoutSeconds } } : {}),
    beforeTask: options.beforeTask,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** Resolves once the request waits for a decision, with its stored task token. */
export async function pendingTaskToken(aws: FakeAws, requestId: string, timeoutMs = 5000): Promise<string> {
  const started = Date.now();
  for (;;) {
    const item = aws.table.items.get(requestId);
    if (item?.status === 'PENDING_APPROVAL' && typeof item.taskToken === 'string' && aws.tokens.isWaiting(item.taskToken)) {
      return item.taskToken;
    }
    if (Date.now() - started > timeoutMs) throw new Error(`Request ${requestId} never reached PENDING_APPROVAL`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function newFakeAws(): FakeAws {
  const settings = toBrokerSettings((harnessConfig ?? exampleConfig()).config);
  const aws = new FakeAws(settings.accounts.map((a) => a.id));
  // The first agent's secrets exist already; every other agent has its own per account.
  for (const agent of agentsOf(settings).filter((a) => !a.primary)) {
    for (const account of settings.accounts) aws.secrets.create(agentSecretName(agent, account.id), PLACEHOLDER_SECRET_STRING);
  }
  return aws;
}
