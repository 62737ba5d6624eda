import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import type { Context } from 'aws-lambda';
import { cryptoRandom } from '../../handlers/adapters/system/system-clock';
import { type FunctionEntry, parseFunctionEnvironment } from '../../handlers/core/function-environment';
import { brokerHandler } from '../../handlers/functions/broker-functions';
import type { AwsClientConfig } from '../../handlers/functions/function-runtime';
import type { Clock, RandomSource } from '../../handlers/ports/clock';
import type { SynthesizedStack } from '../template/deployed-template';
import { type BrokerFunctionInfo, brokerFunctions, lambdaContext } from './function-infos';

/**
 * The one loader of the deployed broker functions, for everything that runs them outside Lambda: the
 * local sandbox and the workflow tests. It reads each function of the synthesized stack (its entry, its ARN
 * and its environment, resolved by the same resolver as the state machine's definition, so the ARNs match)
 * and builds its handler with the function's factory and an explicit runtime: its own environment, the
 * host's clock and SDK client configuration. Nothing process-wide changes: no `process.env`, no shared clock.
 */

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
  /** Whether IAM Access Analyzer answers here (`FunctionRuntime.accessAnalyzer`). @default true */
  readonly accessAnalyzer?: boolean;
  /** Values that replace the template's, by variable name (the sandbox's `REVIEW_BASE_URL`). @default none */
  readonly environment?: Readonly<Record<string, string>>;
}

/** A broker function with its handler, invoked as Lambda invokes it: the event, and an invocation context. */
export interface LoadedFunction extends BrokerFunctionInfo {
  /** Without a context, it gets one as Lambda would give it (`lambdaContext`). */
  readonly handler: (event: unknown, context?: Partial<Context>) => Promise<unknown>;
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
    ...(host.accessAnalyzer === undefined ? {} : { accessAnalyzer: host.accessAnalyzer }),
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
