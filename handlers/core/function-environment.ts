import { z } from 'zod';
import { MissingEnvironmentError } from './errors';

/**
 * The contract between the broker stack and its Lambda entry points: which environment variables exist,
 * what each is called, and which function reads which. The stack's constructs set them through
 * `environmentVariables` (so a function gets exactly what its entry point reads, checked by the compiler)
 * and the entry points read them through `parseFunctionEnvironment` (so a missing one fails at start-up,
 * naming the variable).
 */
export const ENVIRONMENT_VARIABLES = {
  /** The broker settings as JSON (`handlers/core/broker-settings.ts`), derived from the operator's config. */
  settings: 'JIT_SETTINGS',
  /** Name of the request table. */
  requestTable: 'REQUEST_TABLE',
  /** Name of the broker's event bus. */
  eventBusName: 'EVENT_BUS_NAME',
  /** Base URL of the review links, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com`. */
  reviewBaseUrl: 'REVIEW_BASE_URL',
  /** AWS partition of the target accounts, e.g. `aws`. */
  targetPartition: 'TARGET_PARTITION',
  /** EventBridge Scheduler group of the reset and lift schedules. */
  scheduleGroup: 'SCHEDULE_GROUP',
  /** ARN of the reset function (the safety-net schedule's target; revoke asks it to reset). */
  resetFunctionArn: 'RESET_FUNCTION_ARN',
  /** Role the reset schedules invoke the reset function as. */
  schedulerRoleArn: 'SCHEDULER_ROLE_ARN',
  /** Name of the audit bucket. */
  auditBucket: 'AUDIT_BUCKET',
  /** Name of the revoke function, which the approver routes hand `jit revoke` to. */
  revokeFunctionName: 'REVOKE_FUNCTION_NAME',
  /** Role the lift schedules invoke the revoke function as. */
  liftSchedulerRoleArn: 'LIFT_SCHEDULER_ROLE_ARN',
  /** ARN of the asymmetric KMS key that signs report manifests (docs/audit.md, "Signed evidence"). */
  reportSigningKey: 'REPORT_SIGNING_KEY_ARN',
  /** Name of the table of Slack requests already received (replay protection). */
  slackPressTable: 'SLACK_PRESS_TABLE',
} as const;

export type EnvironmentKey = keyof typeof ENVIRONMENT_VARIABLES;

/**
 * Names the handler module of a deployed function (`handlers/lambda/<entry>.ts`); the local runners map
 * synthesized functions back to code by it. Set on every broker function; no handler reads it.
 */
export const FUNCTION_ENTRY_VARIABLE = 'JIT_FUNCTION';

/** The variables each entry point under `handlers/lambda/` reads, in the order the stack sets them. */
export const FUNCTION_ENVIRONMENT = {
  register: ['settings', 'requestTable'],
  'request-approval': ['settings', 'requestTable', 'eventBusName', 'reviewBaseUrl'],
  mint: ['settings', 'targetPartition', 'scheduleGroup', 'resetFunctionArn', 'schedulerRoleArn', 'requestTable'],
  reset: ['eventBusName'],
  notify: ['requestTable', 'eventBusName'],
  audit: ['settings', 'targetPartition', 'auditBucket', 'requestTable', 'reportSigningKey'],
  revoke: ['requestTable', 'eventBusName', 'targetPartition', 'resetFunctionArn', 'scheduleGroup', 'liftSchedulerRoleArn', 'settings'],
  'approval-web': ['settings', 'requestTable', 'eventBusName', 'revokeFunctionName'],
  'slack-interactions': ['settings', 'requestTable', 'eventBusName', 'slackPressTable'],
  reconcile: ['settings', 'requestTable', 'eventBusName'],
} as const satisfies Record<string, readonly EnvironmentKey[]>;

/** A broker function by the name of its entry file, e.g. `mint`. */
export type FunctionEntry = keyof typeof FUNCTION_ENVIRONMENT;

/** The values of the variables one function reads, by contract key. */
export type FunctionEnvironment<E extends FunctionEntry> = { readonly [K in (typeof FUNCTION_ENVIRONMENT)[E][number]]: string };

/** Stack side: a function's variables by their environment names, in contract order. */
export function environmentVariables<E extends FunctionEntry>(entry: E, values: FunctionEnvironment<E>): Record<string, string> {
  const keys: readonly EnvironmentKey[] = FUNCTION_ENVIRONMENT[entry];
  const byKey = values as Readonly<Record<EnvironmentKey, string>>;
  return Object.fromEntries(keys.map((key) => [ENVIRONMENT_VARIABLES[key], byKey[key]]));
}

/**
 * Entry-point side: reads a function's variables from an environment (`process.env` in the Lambda
 * runtime). Every one must be set and non-empty.
 */
export function parseFunctionEnvironment<E extends FunctionEntry>(
  entry: E,
  env: Readonly<Record<string, string | undefined>>,
): FunctionEnvironment<E> {
  const keys: readonly EnvironmentKey[] = FUNCTION_ENVIRONMENT[entry];
  const schema = z.object(Object.fromEntries(keys.map((key) => [ENVIRONMENT_VARIABLES[key], z.string().min(1)])));
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const missing = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
    throw new MissingEnvironmentError(entry, missing);
  }
  return Object.fromEntries(keys.map((key) => [key, parsed.data[ENVIRONMENT_VARIABLES[key]]])) as FunctionEnvironment<E>;
}
