import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { type BrokerSettings, brokerSettingsSchema } from '../core/broker-settings';
import { ThrottledError, TransientAwsError } from '../core/errors';
import { type FunctionEntry, type FunctionEnvironment, parseFunctionEnvironment } from '../core/function-environment';
import { parseTaskInput } from '../core/task-input';
import { cryptoRandom, systemClock } from '../adapters/system/system-clock';
import { bundledSettingsFile } from '../adapters/system/settings-file';
import type { FunctionRuntime } from '../functions/function-runtime';

/**
 * What every broker function shares: the Lambda logger, configuration from the environment, the real
 * clock and randomness (`lambdaRuntime`), and the task wrapper with the error classification that lets
 * the state machine retry the right failures.
 *
 * Logging rule: log ids and outcomes, never payloads. Task inputs carry task tokens and mint results
 * carry credentials; neither may reach CloudWatch Logs.
 */
export const logger = new Logger({ serviceName: 'jit-broker' });

/**
 * The environment variables this function's entry point reads, by contract key
 * (`handlers/core/function-environment.ts`); throws `MissingEnvironmentError` naming any that is not set.
 * The settings come from the `jit-settings.json` bundled with the code, checked against the digest in
 * `JIT_SETTINGS_SHA256` (`SettingsFileError` when it is missing or another deployment's).
 */
export function functionEnvironment<E extends FunctionEntry>(entry: E): FunctionEnvironment<E> {
  return parseFunctionEnvironment(entry, process.env, bundledSettingsFile());
}

/** The broker settings from their JSON (the bundled `jit-settings.json`). */
export function parseSettings(json: string): BrokerSettings {
  return brokerSettingsSchema.parse(JSON.parse(json));
}

/**
 * A function's runtime in Lambda, read at start-up: its variables from `process.env` (throwing
 * `MissingEnvironmentError` before the first invocation if one is missing), the real clock and randomness,
 * the shared logger, and SDK clients with the SDK's defaults (the region and the execution role's
 * credentials the Lambda runtime sets in the environment).
 */
export function lambdaRuntime<E extends FunctionEntry>(entry: E): FunctionRuntime<E> {
  return {
    env: functionEnvironment(entry),
    clock: systemClock,
    random: cryptoRandom,
    logger,
    aws: {},
    // Set by the Lambda runtime in every function.
    region: process.env.AWS_REGION ?? 'us-east-1',
    // The sandbox and tests point identity proofs at their own STS; unset in AWS.
    ...(process.env.STS_PROOF_ENDPOINT ? { stsProofEndpoint: process.env.STS_PROOF_ENDPOINT } : {}),
  };
}

type SdkError = Parameters<typeof isThrottlingError>[0];

/** Maps AWS SDK throttling and transient faults to the two error names the state machine retries. */
export function classifyError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const sdkError = error as SdkError;
  if (isThrottlingError(sdkError)) return new ThrottledError(`${error.name}: ${error.message}`, { cause: error });
  if (isTransientError(sdkError) || isServerError(sdkError)) {
    return new TransientAwsError(`${error.name}: ${error.message}`, { cause: error });
  }
  return error;
}

/**
 * Wraps a task's domain function as a Lambda handler: the event is validated once with the use case's
 * input schema (`MalformedTaskInputError` when it does not fit, and nothing runs), so the use case takes
 * typed input; errors are classified for Step Functions and logged by name and message only, with the
 * function's own logger.
 */
export function taskHandler<S extends z.ZodType, O>(
  task: string,
  schema: S,
  run: (input: z.output<S>, context?: Context) => Promise<O>,
  taskLogger: Logger = logger,
): (event: unknown, context?: Context) => Promise<O> {
  return async (event, context) => {
    taskLogger.appendKeys({ task });
    try {
      return await run(parseTaskInput(task, schema, event), context);
    } catch (error) {
      const classified = classifyError(error);
      const err = classified instanceof Error ? classified : new Error(String(classified));
      taskLogger.error('task failed', { errorName: err.name, errorMessage: err.message });
      throw classified;
    }
  };
}
