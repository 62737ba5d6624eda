import { FakeAws } from '../fakes/fake-aws';
import { type LocalExecutionResult, type LocalFunction, runLocalExecution } from '../../workflows/local/local-execution';
import { resolveIntrinsics, synthesizedWorkflow, type IntrinsicContext, type SynthesizedWorkflow } from '../../workflows/local/synthesized-workflow';
import { STATE } from '../../workflows/state-names';
import { exampleSettings, synthApp } from './synth';

export const CTX: IntrinsicContext = { partition: 'aws', region: 'eu-west-1', accountId: '111111111111' };
export const PROD = '222222222222';

let cached: { workflow: SynthesizedWorkflow; env: Record<string, string> } | undefined;

/**
 * The synthesized state machine, plus the environment its functions are deployed with (from the same
 * template, intrinsics resolved to stand-ins), merged across functions.
 */
export function synthesizedElevation(): { workflow: SynthesizedWorkflow; env: Record<string, string> } {
  if (cached) return cached;
  const { json } = synthApp();
  const workflow = synthesizedWorkflow(json, CTX);
  const env: Record<string, string> = {};
  for (const resource of Object.values(json.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const vars = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    for (const [name, value] of Object.entries(vars)) {
      if (name === 'JIT_FUNCTION') continue;
      const resolved = String(resolveIntrinsics(value, json, CTX));
      if (env[name] !== undefined && env[name] !== resolved) throw new Error(`Functions disagree on ${name}`);
      env[name] = resolved;
    }
  }
  cached = { workflow, env };
  return cached;
}

/** Loads the real Lambda entry modules with the deployed environment and maps function ARNs to them. */
export function deployedFunctions(): Map<string, LocalFunction> {
  const { workflow, env } = synthesizedElevation();
  Object.assign(process.env, env, { AWS_REGION: CTX.region }, { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT' });
  const functions = new Map<string, LocalFunction>();
  for (const [arn, entry] of workflow.functionEntries) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(`../../handlers/lambda/${entry}`) as { handler: LocalFunction };
    functions.set(arn, mod.handler);
  }
  return functions;
}

/** Request events come from the one fixture builder; re-exported for the workflow tests that import them from here. */
export { requestEvent } from './fixtures';

export interface RunOptions {
  readonly beforeTask?: (state: string, input: unknown) => Promise<void> | void;
  readonly approvalTimeoutSeconds?: number;
}

/**
 * Points the handlers' clock at the fake world's virtual clock until `aws.restore()`: every Wait state of a
 * local run advances it, so expiry, CloudTrail lag and the audit's polling pass in no real time.
 */
function useVirtualTime(aws: FakeAws): void {
  // Loaded only after deployedFunctions() set the environment the handlers' logger reads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { systemClock } = require('../../handlers/lambda/runtime') as typeof import('../../handlers/lambda/runtime');
  if (jest.isMockFunction(systemClock.now)) return;
  const spy = jest.spyOn(systemClock, 'now').mockImplementation(() => aws.clock.now());
  aws.onRestore(() => spy.mockRestore());
}

/** Runs one execution of the synthesized workflow against the fakes, in virtual time. */
export function runElevation(aws: FakeAws, event: unknown, options: RunOptions = {}): Promise<LocalExecutionResult> {
  const { workflow } = synthesizedElevation();
  const functions = deployedFunctions();
  useVirtualTime(aws);
  return runLocalExecution(event, {
    definition: workflow.definition,
    functions,
    tokens: aws.tokens,
    clock: aws.clock,
    retryIntervalOverrides: Object.fromEntries(Object.keys(workflow.definition.States).map((s) => [s, 0])),
    ...(options.approvalTimeoutSeconds ? { taskTimeoutOverrides: { [STATE.awaitApproval]: options.approvalTimeoutSeconds } } : {}),
    beforeTask: options.beforeTask,
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
  return new FakeAws(exampleSettings().accounts.map((a) => a.id));
}
