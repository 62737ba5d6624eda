import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import type { Context } from 'aws-lambda';
import { cryptoRandom } from '../../handlers/adapters/system/system-clock';
import { FUNCTION_ENTRY_VARIABLE, FUNCTION_ENVIRONMENT, type FunctionEntry, parseFunctionEnvironment } from '../../handlers/core/function-environment';
import { brokerHandler } from '../../handlers/functions/broker-functions';
import type { AwsClientConfig } from '../../handlers/functions/function-runtime';
import type { Clock, RandomSource } from '../../handlers/ports/clock';
import type { LocalFunction } from '../../workflows/local/local-execution';
import { type SynthesizedStack, arnOf, prop, resolve, resourcesOfType } from '../template/deployed-template';

/**
 * The one loader of the deployed broker functions, for everything that runs them outside Lambda: the
 * local sandbox and the workflow tests. It reads each function of the synthesized stack (its entry, its ARN
 * and its environment, resolved by the same resolver as the state machine's definition, so the ARNs match)
 * and builds its handler with the function's factory and an explicit runtime: its own environment, the
 * host's clock and SDK client configuration. Nothing process-wide changes: no `process.env`, no shared clock.
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

/** What the host of the functions (the sandbox, the workflow tests) gives each of them. */
export interface FunctionHost {
  /** The functions' clock: the grant window, the time fence and the audit all date by it. */
  readonly clock: Clock;
  /** @default the system's cryptographic randomness */
  readonly random?: RandomSource;
  /** Powertools log level of the functions' loggers, e.g. `WARN`. */
  readonly logLevel: string;
  /** What every SDK client of the functions is created with (region, the sandbox's endpoint and the broker's key). */
  readonly aws: AwsClientConfig;
  /** The region the functions run in. */
  readonly region: string;
  /** Where identity proofs are sent instead of the regional STS endpoint. @default the regional endpoint */
  readonly stsProofEndpoint?: string;
  /** Where the functions' Slack Web API calls go (the sandbox's Slack stand-in). @default Slack's Web API */
  readonly slackApiUrl?: string;
  /** Values that replace the template's, by variable name (the sandbox's `REVIEW_BASE_URL`). @default none */
  readonly environment?: Readonly<Record<string, string>>;
}

/** A broker function with its handler, invoked as Lambda invokes it: the event, and an invocation context. */
export interface LoadedFunction extends BrokerFunctionInfo {
  /** Without a context, it gets one as Lambda would give it (`lambdaContext`). */
  readonly handler: (event: unknown, context?: Partial<Context>) => Promise<unknown>;
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

function loadFunction<E extends FunctionEntry>(fn: BrokerFunctionInfo & { readonly entry: E }, host: FunctionHost): LoadedFunction {
  const handler = brokerHandler(fn.entry, {
    // The settings file a bundle would hold, checked against the template's digest as the entry point checks it.
    env: parseFunctionEnvironment(fn.entry, { ...fn.environment, ...host.environment }, () => fn.settings),
    clock: host.clock,
    random: host.random ?? cryptoRandom,
    // One logger per function, as each Lambda function has its own: the task wrapper appends keys to it.
    logger: new Logger({ serviceName: 'jit-broker', logLevel: host.logLevel.toUpperCase() as LogLevel }),
    aws: host.aws,
    region: host.region,
    ...(host.stsProofEndpoint ? { stsProofEndpoint: host.stsProofEndpoint } : {}),
    ...(host.slackApiUrl ? { slackApiUrl: host.slackApiUrl } : {}),
  }) as (event: unknown, context: Context) => Promise<unknown>;
  return {
    ...fn,
    // The handlers read only the part of the context `lambdaContext` builds.
    handler: (event, context) => handler(event, { ...lambdaContext(fn.arn, fn.timeoutSeconds * 1000), ...context } as Context),
  };
}

/** Loads every broker function of the stack with the host's runtime. */
export function loadBrokerFunctions(stack: SynthesizedStack, host: FunctionHost): LoadedFunction[] {
  return loadFunctions(brokerFunctions(stack), host);
}

/** Loads the given broker functions (`brokerFunctions` of a stack) with the host's runtime: what a function worker loads. */
export function loadFunctions(functions: readonly BrokerFunctionInfo[], host: FunctionHost): LoadedFunction[] {
  return functions.map((fn) => loadFunction(fn, host));
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
