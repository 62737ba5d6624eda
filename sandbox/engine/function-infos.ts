import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { FUNCTION_ENTRY_VARIABLE, FUNCTION_ENVIRONMENT, type FunctionEntry } from '../../handlers/core/function-environment';
import type { LocalFunction } from '../../workflows/local/local-execution';
import { type SynthesizedStack, arnOf, prop, resolve, resourcesOfType } from '../template/deployed-template';

/**
 * The broker's functions as the synthesized stack describes them (entry, ARN, environment, timeout,
 * settings) and the invocation context Lambda gives a handler: what the sandbox's main thread needs of its
 * functions without loading their code, which runs in function workers (sandbox/engine/function-workers.ts)
 * or through the loader (sandbox/engine/functions.ts).
 */

/** A Lambda function of the broker stack, as the local runners run it. */
export interface BrokerFunctionInfo {
  readonly logicalId: string;
  /** The function's entry (`handlers/lambda/<entry>.ts`, from its `JIT_FUNCTION`). */
  readonly entry: FunctionEntry;
  /** The ARN it would have once deployed. */
  readonly arn: string;
  /** Its environment, intrinsics resolved as deployed. */
  readonly environment: Readonly<Record<string, string>>;
  /** Its timeout in seconds. */
  readonly timeoutSeconds: number;
  /** The settings it is bundled with (`SynthesizedStack.settings`), for an entry that reads them. */
  readonly settings?: string;
}

/**
 * Lambda's default timeout, for a function whose template sets none.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
 */
const LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;

function isFunctionEntry(entry: string): entry is FunctionEntry {
  return Object.hasOwn(FUNCTION_ENVIRONMENT, entry);
}

/** Every broker function the stack defines, with its entry and environment (functions without `JIT_FUNCTION`, such as CDK's own, are not the broker's). */
export function brokerFunctions(stack: SynthesizedStack): BrokerFunctionInfo[] {
  return resourcesOfType(stack, 'AWS::Lambda::Function').flatMap(([logicalId, resource]) => {
    const variables = (prop(resource, 'Environment') as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const entry = variables[FUNCTION_ENTRY_VARIABLE];
    if (typeof entry !== 'string') return [];
    if (!isFunctionEntry(entry)) throw new Error(`${stack.name}: function ${logicalId} names the entry ${entry}, which handlers/functions/broker-functions.ts does not know.`);
    const environment: Record<string, string> = {};
    for (const [name, value] of Object.entries(variables)) if (name !== FUNCTION_ENTRY_VARIABLE) environment[name] = String(resolve(value, stack));
    const timeout = prop(resource, 'Timeout');
    return [
      {
        logicalId,
        entry,
        arn: arnOf(stack, logicalId, resource),
        environment,
        timeoutSeconds: typeof timeout === 'number' ? timeout : LAMBDA_DEFAULT_TIMEOUT_SECONDS,
        ...(stack.settings === undefined ? {} : { settings: stack.settings }),
      },
    ];
  });
}

/**
 * The part of Lambda's invocation context the broker's handlers read.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html
 */
export function lambdaContext(functionArn: string, timeoutMs = 300_000): Partial<Context> {
  const deadline = Date.now() + timeoutMs;
  const functionName = functionArn.slice(functionArn.lastIndexOf(':') + 1);
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'sandbox',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/** Invokes a handler as Lambda does: the event and an invocation context. */
export function invokeWithContext(fn: LocalFunction, functionArn: string, payload: unknown): Promise<unknown> {
  return (fn as (event: unknown, context: unknown) => Promise<unknown>)(payload, lambdaContext(functionArn));
}
