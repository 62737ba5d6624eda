import './promise-with-resolvers';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { AslDefinition, AslState } from './synthesized-workflow';
import { LocalTaskTokens } from './task-tokens';
import type { VirtualClock } from './virtual-clock';

/** A function as Lambda would run it: JSON in, JSON out, errors reported by name. */
export type LocalFunction = (payload: unknown) => Promise<unknown>;

export interface LocalExecutionOptions {
  readonly definition: AslDefinition;
  /** Function ARN (as in the resolved definition) → code to run for it. */
  readonly functions: ReadonlyMap<string, LocalFunction>;
  readonly tokens: LocalTaskTokens;
  /** Wait state name → milliseconds to wait instead of what the definition says. */
  readonly waitOverrides?: Readonly<Record<string, number>>;
  /**
   * Virtual time: every Wait state advances this clock by what it would wait (seconds, or up to its
   * timestamp) and goes on at once. Handlers that read the same clock see time pass.
   */
  readonly clock?: VirtualClock;
  /** Task state name → TimeoutSeconds to use instead of the definition's (for testing timeouts). */
  readonly taskTimeoutOverrides?: Readonly<Record<string, number>>;
  /** Task state name → milliseconds between retries instead of the definition's backoff. */
  readonly retryIntervalOverrides?: Readonly<Record<string, number>>;
  /**
   * Called before a Task state's code runs, and (in virtual time) before a Wait state moves the clock;
   * lets a test or the sandbox act in between states, e.g. while a grant is live before its expiry.
   */
  readonly beforeTask?: (stateName: string, input: unknown) => Promise<void> | void;
}

export interface LocalExecutionResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** Names of the states entered, in order. */
  readonly path: string[];
  /** The last state entered: the terminal state. */
  readonly finalState: string;
}

/** The part of the engine's event log the runner reads. */
interface EngineEvent {
  readonly type: string;
  readonly state?: { readonly name: string };
}

const LAMBDA_INVOKE = /^arn:[^:]+:states:::lambda:invoke(\.waitForTaskToken)?$/;

/** Lambda serialises results as JSON: no undefined, Dates as strings. */
function asJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/** Reads a `$.a.b` reference path, the only kind the broker's Wait states use. */
function readPath(input: unknown, path: string): unknown {
  if (!/^\$(\.[A-Za-z0-9_]+)+$/.test(path)) throw new Error(`Unsupported path ${path} in a Wait state`);
  return path
    .slice(2)
    .split('.')
    .reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), input);
}

/** How far a Wait state moves the virtual clock for a given input. */
function advanceFor(state: AslState, input: unknown, clock: VirtualClock): void {
  const seconds = state.Seconds ?? (state.SecondsPath ? readPath(input, String(state.SecondsPath)) : undefined);
  if (typeof seconds === 'number') return clock.advanceBy(seconds * 1000);
  const timestamp = state.Timestamp ?? (state.TimestampPath ? readPath(input, String(state.TimestampPath)) : undefined);
  if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp))) {
    throw new Error(`Wait state has no usable Seconds or Timestamp (got ${JSON.stringify(timestamp ?? seconds)})`);
  }
  clock.advanceTo(new Date(timestamp));
}

const VIRTUAL_WAIT_RESOURCE = 'local:virtual-wait';

/**
 * Replaces every Wait state by a Task that advances the virtual clock and passes its input on unchanged
 * (ResultPath null), keeping the state's name, so the execution path reads the same.
 */
function withVirtualWaits(definition: AslDefinition): { definition: AslDefinition; waits: Map<string, AslState> } {
  const states: Record<string, AslState> = {};
  const waits = new Map<string, AslState>();
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Wait') {
      states[name] = state;
      continue;
    }
    waits.set(name, state);
    const { Seconds: _s, SecondsPath: _sp, Timestamp: _t, TimestampPath: _tp, Type: _type, ...rest } = state;
    states[name] = { ...rest, Type: 'Task', Resource: VIRTUAL_WAIT_RESOURCE, ResultPath: null };
  }
  return { definition: { ...definition, States: states }, waits };
}

function withTimeouts(definition: AslDefinition, overrides: Readonly<Record<string, number>>): AslDefinition {
  const states: Record<string, AslState> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    states[name] = overrides[name] !== undefined ? { ...state, TimeoutSeconds: overrides[name] } : state;
  }
  return { ...definition, States: states };
}

/**
 * Runs one execution of the synthesized definition with aws-local-stepfunctions, calling local code for
 * every Task: plain Lambda ARNs get the payload and return the result; `lambda:invoke.waitForTaskToken`
 * tasks invoke the function, then wait for `LocalTaskTokens` to be answered, like the service does.
 */
export async function runLocalExecution(input: unknown, options: LocalExecutionOptions): Promise<LocalExecutionResult> {
  const timed = withTimeouts(options.definition, options.taskTimeoutOverrides ?? {});
  const { definition, waits } = options.clock ? withVirtualWaits(timed) : { definition: timed, waits: new Map<string, AslState>() };
  const token = LocalTaskTokens.newToken();
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};

  for (const [stateName, state] of Object.entries(definition.States)) {
    const wait = waits.get(stateName);
    if (wait && options.clock) {
      const clock = options.clock;
      handlers[stateName] = async (input) => {
        await options.beforeTask?.(stateName, input);
        advanceFor(wait, input, clock);
        return {};
      };
      continue;
    }
    if (state.Type !== 'Task' || !state.Resource) continue;
    const resource = state.Resource;
    const callback = LAMBDA_INVOKE.exec(resource);
    handlers[stateName] = async (taskInput) => {
      await options.beforeTask?.(stateName, taskInput);
      if (!callback) {
        const fn = options.functions.get(resource);
        if (!fn) throw new Error(`No local code for ${resource} (state ${stateName})`);
        return asJson(await fn(asJson(taskInput)));
      }
      const { FunctionName, Payload } = taskInput as { FunctionName: string; Payload: unknown };
      const fn = options.functions.get(FunctionName);
      if (!fn) throw new Error(`No local code for ${FunctionName} (state ${stateName})`);
      if (!callback[1]) return { StatusCode: 200, Payload: asJson(await fn(asJson(Payload))) };
      const answered = options.tokens.wait(token, state.TimeoutSeconds ?? 99_999_999);
      try {
        await fn(asJson(Payload));
      } catch (error) {
        options.tokens.cancel(token);
        throw error;
      }
      return asJson(await answered);
    };
  }

  const machine = new StateMachine(definition as unknown as StateMachineDefinition, {
    validationOptions: { checkArn: false },
  });
  const execution = machine.run(asJson(input) as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      waitTimeOverrides: options.waitOverrides ? { ...options.waitOverrides } : undefined,
      retryIntervalOverrides: options.retryIntervalOverrides ? { ...options.retryIntervalOverrides } : undefined,
    },
    context: { Task: { Token: token } },
  });

  const path: string[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs as AsyncGenerator<EngineEvent>) {
      if (event.type === 'StateEntered' && event.state) path.push(event.state.name);
    }
  })();
  try {
    const output = await execution.result;
    await collecting;
    return { status: 'SUCCEEDED', output, path, finalState: path[path.length - 1] ?? '' };
  } catch (error) {
    await collecting.catch(() => undefined);
    options.tokens.cancel(token);
    const cause = (error as { cause?: { name?: string; message?: string } }).cause;
    return {
      status: 'FAILED',
      error: cause?.name ?? (error as Error).name,
      cause: cause?.message ?? (error as Error).message,
      path,
      finalState: path[path.length - 1] ?? '',
    };
  }
}
