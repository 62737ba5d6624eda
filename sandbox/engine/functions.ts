import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { LocalFunction } from '../../workflows/local/local-execution';
import { type SynthesizedStack, arnOf, prop, resolve, resourcesOfType } from '../template/deployed-template';

/** A Lambda function of the broker stack, as the sandbox runs it. */
export interface BrokerFunctionInfo {
  readonly logicalId: string;
  /** Module name under `handlers/lambda/` (the function's `JIT_FUNCTION`). */
  readonly entry: string;
  /** The ARN it would have once deployed. */
  readonly arn: string;
  /** Its environment, intrinsics resolved as deployed. */
  readonly environment: Readonly<Record<string, string>>;
}

/** Every broker function the stack defines, with its handler module and environment. */
export function brokerFunctions(stack: SynthesizedStack): BrokerFunctionInfo[] {
  return resourcesOfType(stack, 'AWS::Lambda::Function').flatMap(([logicalId, resource]) => {
    const variables = (prop(resource, 'Environment') as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const entry = variables.JIT_FUNCTION;
    if (typeof entry !== 'string') return [];
    const environment: Record<string, string> = {};
    for (const [name, value] of Object.entries(variables)) if (name !== 'JIT_FUNCTION') environment[name] = String(resolve(value, stack));
    return [{ logicalId, entry, arn: arnOf(stack, logicalId, resource), environment }];
  });
}

/**
 * The one environment all the handler modules share in the sandbox's process. Functions that name the
 * same variable must agree on its value; they do, since each variable means one thing across the stack.
 */
export function sharedEnvironment(functions: readonly BrokerFunctionInfo[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const fn of functions) {
    for (const [name, value] of Object.entries(fn.environment)) {
      if (env[name] !== undefined && env[name] !== value) throw new Error(`The broker functions disagree on ${name}; the sandbox runs them in one process.`);
      env[name] = value;
    }
  }
  return env;
}

/** Loads a handler module's `handler` (after the environment is in place: modules read it on load). */
export function loadHandler<T = LocalFunction>(entry: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(join(__dirname, '..', '..', 'handlers', 'lambda', entry)) as { handler?: T };
  if (typeof mod.handler !== 'function') throw new Error(`handlers/lambda/${entry} exports no handler`);
  return mod.handler;
}

/**
 * Makes the handlers read the sandbox's clock. Their shared `systemClock` is the one seam for time in
 * the Lambda runtime module; loaded after the environment is set, since the module creates the logger.
 */
export function useClockInHandlers(now: () => Date): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const runtime = require(join(__dirname, '..', '..', 'handlers', 'lambda', 'runtime')) as { systemClock: { now: () => Date } };
  runtime.systemClock.now = now;
}

/** The part of Lambda's invocation context the broker's handlers read. */
export function lambdaContext(functionArn: string, timeoutMs = 300_000): Record<string, unknown> {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName: functionArn.slice(functionArn.lastIndexOf(':') + 1),
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionArn.slice(functionArn.lastIndexOf(':') + 1)}`,
    logStreamName: 'sandbox',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/** Invokes a handler as Lambda does: the event and an invocation context. */
export function invokeWithContext(fn: LocalFunction, functionArn: string, payload: unknown): Promise<unknown> {
  return (fn as (event: unknown, context: unknown) => Promise<unknown>)(payload, lambdaContext(functionArn));
}
