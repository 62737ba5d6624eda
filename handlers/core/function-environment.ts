import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MissingEnvironmentError, SettingsFileError } from './errors';

/**
 * The contract between the broker stack and its Lambda entry points: which environment variables exist,
 * what each is called, and which function reads which. The stack's constructs set them through
 * `environmentVariables` (so a function gets exactly what its entry point reads, checked by the compiler)
 * and the entry points read them through `parseFunctionEnvironment` (so a missing one fails at start-up,
 * naming the variable).
 */
export const ENVIRONMENT_VARIABLES = {
  /**
   * The SHA-256 (hex) of the broker settings (`handlers/core/broker-settings.ts`, derived from the operator's
   * config), which travel as `jit-settings.json` bundled with the function's code (`SETTINGS_FILE`): the
   * environment holds 4 KB in all, too little for the settings of many agents. Under the contract key the
   * stack hands over the settings JSON and the entry point gets it back, read from the file and checked
   * against this digest.
   */
  settings: 'JIT_SETTINGS_SHA256',
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
  /** Name of the Slack interactions function itself, which it invokes asynchronously to decide a press. */
  slackInteractionsFunction: 'SLACK_INTERACTIONS_FUNCTION',
} as const;

export type EnvironmentKey = keyof typeof ENVIRONMENT_VARIABLES;

/** The settings file bundled next to each function's `index.js` that reads settings. */
export const SETTINGS_FILE = 'jit-settings.json';

/** The digest the environment carries for a settings file: SHA-256 of its bytes, hex. */
export function settingsDigest(json: string): string {
  return createHash('sha256').update(json, 'utf8').digest('hex');
}

/** Whether this entry reads the broker settings (and so is bundled with a settings file). */
export function readsSettings(entry: FunctionEntry): boolean {
  return (FUNCTION_ENVIRONMENT[entry] as readonly EnvironmentKey[]).includes('settings');
}

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
  notify: ['requestTable', 'eventBusName', 'settings'],
  audit: ['settings', 'targetPartition', 'auditBucket', 'requestTable', 'reportSigningKey'],
  revoke: ['requestTable', 'eventBusName', 'targetPartition', 'resetFunctionArn', 'scheduleGroup', 'liftSchedulerRoleArn', 'settings'],
  'approval-web': ['settings', 'requestTable', 'eventBusName', 'revokeFunctionName'],
  'slack-interactions': ['settings', 'requestTable', 'eventBusName', 'slackPressTable', 'slackInteractionsFunction'],
  reconcile: ['settings', 'requestTable', 'eventBusName'],
} as const satisfies Record<string, readonly EnvironmentKey[]>;

/** A broker function by the name of its entry file, e.g. `mint`. */
export type FunctionEntry = keyof typeof FUNCTION_ENVIRONMENT;

/** The values of the variables one function reads, by contract key. */
export type FunctionEnvironment<E extends FunctionEntry> = { readonly [K in (typeof FUNCTION_ENVIRONMENT)[E][number]]: string };

/**
 * Stack side: a function's variables by their environment names, in contract order. The settings become
 * their digest; the settings themselves go into the function's bundle (`infra/constructs/broker-function.ts`).
 */
export function environmentVariables<E extends FunctionEntry>(entry: E, values: FunctionEnvironment<E>): Record<string, string> {
  const keys: readonly EnvironmentKey[] = FUNCTION_ENVIRONMENT[entry];
  const byKey = values as Readonly<Record<EnvironmentKey, string>>;
  return Object.fromEntries(keys.map((key) => [ENVIRONMENT_VARIABLES[key], key === 'settings' ? settingsDigest(byKey[key]) : byKey[key]]));
}

/**
 * Where an entry point's settings file comes from: its contents, or undefined when there is none. In
 * Lambda, the file bundled with the code (`handlers/adapters/system/settings-file.ts`).
 */
export type SettingsSource = () => string | undefined;

/**
 * Entry-point side: reads a function's variables from an environment (`process.env` in the Lambda
 * runtime). Every one must be set and non-empty. A function that reads settings gets them from
 * `settingsFile`, refused (`SettingsFileError`) when it is missing or its digest is not the one the
 * environment names, so a function never runs with settings it was not deployed with.
 */
export function parseFunctionEnvironment<E extends FunctionEntry>(
  entry: E,
  env: Readonly<Record<string, string | undefined>>,
  settingsFile: SettingsSource = () => undefined,
): FunctionEnvironment<E> {
  const keys: readonly EnvironmentKey[] = FUNCTION_ENVIRONMENT[entry];
  const schema = z.object(Object.fromEntries(keys.map((key) => [ENVIRONMENT_VARIABLES[key], z.string().min(1)])));
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const missing = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
    throw new MissingEnvironmentError(entry, missing);
  }
  const values = Object.fromEntries(keys.map((key) => [key, parsed.data[ENVIRONMENT_VARIABLES[key]]])) as Record<EnvironmentKey, string>;
  if (keys.includes('settings')) values.settings = verifiedSettings(entry, values.settings, settingsFile());
  return values as FunctionEnvironment<E>;
}

function verifiedSettings(entry: FunctionEntry, expected: string, contents: string | undefined): string {
  if (contents === undefined) throw new SettingsFileError(entry, `${SETTINGS_FILE} is not there; the function was bundled without it.`);
  const actual = settingsDigest(contents);
  if (actual !== expected.toLowerCase()) {
    throw new SettingsFileError(
      entry,
      `${SETTINGS_FILE} has SHA-256 ${actual}, but ${ENVIRONMENT_VARIABLES.settings} is ${expected}; the code and the environment come from different deployments.`,
    );
  }
  return contents;
}
