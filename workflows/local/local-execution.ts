import './promise-with-resolvers';
import { randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { AslDefinition, AslState } from './asl-definition';
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
  /**
   * The execution's own time, instead of the engine's real-time timers: Wait states wait until their
   * time comes on it, and a `.waitForTaskToken` task times out when its TimeoutSeconds have passed on it.
   * The local sandbox runs its executions on its (possibly faster) clock this way.
   */
  readonly time?: ExecutionTime;
  /** The execution's task token (`$$.Task.Token`); default: a new one. The sandbox keeps it across restarts. */
  readonly taskToken?: string;
  /**
   * The execution's id (`$$.Execution.Id`); default: a new one. A resumed execution must keep its own, as
   * an execution in the service does across retries of its tasks (Register tells its own earlier write by it).
   */
  readonly executionId?: string;
  /** Continue an execution from a state it had entered, e.g. after the sandbox restarted. Needs `time`. */
  readonly resume?: ResumeAt;
  /**
   * Called as each state is entered, with its input (the sandbox persists progress with it). A state's
   * code runs only after this returned for its entry, so what it records is always the state that runs.
   */
  readonly onStateEntered?: (stateName: string, input: unknown) => void;
  /** Called once the function of a `.waitForTaskToken` task has run: from then on only the token is awaited. */
  readonly onCallbackInvoked?: (stateName: string) => void;
  /** Aborts the execution (the sandbox stopping); the result is then FAILED with `ExecutionAborted`. */
  readonly signal?: AbortSignal;
}

/** Time as an execution sees it; see `LocalExecutionOptions.time`. */
export interface ExecutionTime {
  now(): Date;
  /** Resolves once `at` has come (at once if it has), or when `signal` aborts. */
  waitUntil(at: Date, signal?: AbortSignal): Promise<void>;
}

export interface ResumeAt {
  /** The state to start from, entered again with `input`. */
  readonly stateName: string;
  readonly input: unknown;
  /** When the state was first entered: a Wait of `Seconds` and a task's timeout count from then. */
  readonly enteredAt: Date;
  /**
   * For a `.waitForTaskToken` task: its function already ran (the approver has the link), so only wait
   * for the token again.
   */
  readonly callbackAlreadyInvoked?: boolean;
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
  readonly state?: { readonly name: string; readonly input?: unknown };
}

/** An execution ARN in the service's shape, for executions that run on this machine. */
export function localExecutionId(name: string): string {
  return `arn:aws:states:local:000000000000:execution:jit-elevation:${name}`;
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

/**
 * The timestamps a Wait state takes: RFC 3339 with an uppercase `T` and, without a numeric offset, an
 * uppercase `Z` (no lower case, no space, no date alone), as Step Functions requires.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html
 */
const WAIT_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** When a Wait state entered at `enteredAt` with `input` ends. */
function waitEnd(state: AslState, input: unknown, enteredAt: Date): Date {
  const seconds = state.Seconds ?? (state.SecondsPath ? readPath(input, String(state.SecondsPath)) : undefined);
  if (typeof seconds === 'number') return new Date(enteredAt.getTime() + seconds * 1000);
  const timestamp = state.Timestamp ?? (state.TimestampPath ? readPath(input, String(state.TimestampPath)) : undefined);
  if (typeof timestamp !== 'string' || !WAIT_TIMESTAMP.test(timestamp) || Number.isNaN(Date.parse(timestamp))) {
    throw new Error(`Wait state has no usable Seconds or Timestamp (got ${JSON.stringify(timestamp ?? seconds)})`);
  }
  return new Date(timestamp);
}

const TIMED_WAIT_RESOURCE = 'local:timed-wait';
/** Timers of the engine itself must never fire before the execution's own time says so. */
// Below 2^31 ms, the most setTimeout takes (about 24.8 days).
const NEVER_SECONDS = 2_000_000;

/** The error Step Functions raises when a task's TimeoutSeconds pass; Catch rules match its name. */
class StatesTimeout extends Error {
  constructor() {
    super('The task did not finish within its TimeoutSeconds.');
    this.name = 'States.Timeout';
  }
}

/**
 * The StateEntered events the runner has passed on to `onStateEntered` (and StateRetried events), counted
 * per state. The engine dispatches them before it runs the state's code, but its event log is read
 * asynchronously: task code waits here for its own run to be reported, so that progress is recorded in
 * order.
 */
class ReportedEntries {
  private readonly counts = new Map<string, number>();
  private readonly waiting: Array<{ state: string; count: number; resolve: () => void }> = [];

  reported(state: string): void {
    const count = (this.counts.get(state) ?? 0) + 1;
    this.counts.set(state, count);
    for (const w of this.waiting.filter((w) => w.state === state && w.count <= count)) {
      this.waiting.splice(this.waiting.indexOf(w), 1);
      w.resolve();
    }
  }

  /** Resolves once the `count`-th entry of `state` was reported, or when `signal` aborts. */
  until(state: string, count: number, signal?: AbortSignal): Promise<void> {
    if ((this.counts.get(state) ?? 0) >= count || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const onAbort = () => resolve();
      // The signal is the whole sandbox's: a listener left on it for every state run would pile up.
      this.waiting.push({
        state,
        count,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * Definitions (as JSON) that passed the engine's validation in this process. asl-validator compiles its
 * JSON schema anew on every call (hundreds of milliseconds of CPU); the sandbox starts one execution per
 * request of the same definition, so under load validation was most of its CPU. A definition is
 * validated the first time it runs and trusted after that; one that fails is never added.
 */
const VALIDATED_DEFINITIONS = new Set<string>();

/**
 * The engine's validation (asl-validator) checks, among much else, that every state can be reached from
 * `StartAt`. A resumed execution starts at the state it was in, which leaves the states before it
 * unreachable by design, so the definition is validated as it is deployed (the same rules as any run),
 * and the run that starts elsewhere skips validation: its states are exactly the validated ones.
 */
function machineFor(definition: AslDefinition, resume: ResumeAt | undefined): StateMachine {
  const key = JSON.stringify(definition);
  const deployed = new StateMachine(definition as unknown as StateMachineDefinition, {
    validationOptions: VALIDATED_DEFINITIONS.has(key) ? { noValidate: true } : { checkArn: false },
  });
  // Only reached when the definition is valid: the constructor throws otherwise.
  VALIDATED_DEFINITIONS.add(key);
  if (!resume) return deployed;
  if (!Object.hasOwn(definition.States, resume.stateName)) {
    throw new ResumeStateError(resume.stateName, Object.keys(definition.States));
  }
  return new StateMachine({ ...definition, StartAt: resume.stateName } as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
}

/** A resume names a state the definition does not have (it changed since the execution was saved). */
export class ResumeStateError extends Error {
  constructor(
    readonly stateName: string,
    states: readonly string[],
  ) {
    super(`Cannot continue from "${stateName}": it is not a state of the state machine (its states: ${states.join(', ')}).`);
    this.name = 'ResumeStateError';
  }
}

/**
 * With a `clock` or `time`, every Wait state becomes a Task (same name, input passed on unchanged,
 * ResultPath null) that the runner answers: a virtual clock jumps to the wait's end, a running one sleeps
 * until it. With `time`, callback tasks also get no engine timeout: the runner times them out on `time`.
 */
function withOwnTime(
  definition: AslDefinition,
  callbacksOnTime: boolean,
): { definition: AslDefinition; waits: Map<string, AslState>; callbackTimeouts: Map<string, number> } {
  const states: Record<string, AslState> = {};
  const waits = new Map<string, AslState>();
  const callbackTimeouts = new Map<string, number>();
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Wait') {
      waits.set(name, state);
      const { Seconds: _s, SecondsPath: _sp, Timestamp: _t, TimestampPath: _tp, Type: _type, ...rest } = state;
      states[name] = { ...rest, Type: 'Task', Resource: TIMED_WAIT_RESOURCE, ResultPath: null, TimeoutSeconds: NEVER_SECONDS };
    } else if (callbacksOnTime && state.Type === 'Task' && typeof state.Resource === 'string' && state.Resource.endsWith('.waitForTaskToken')) {
      if (state.TimeoutSeconds) callbackTimeouts.set(name, state.TimeoutSeconds);
      states[name] = { ...state, TimeoutSeconds: NEVER_SECONDS };
    } else {
      states[name] = state;
    }
  }
  return { definition: { ...definition, States: states }, waits, callbackTimeouts };
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
  const time = options.time;
  if (options.resume && !time) throw new Error('Resuming an execution needs its time (options.time).');
  if (time && options.clock) throw new Error('An execution runs on a virtual clock or on its own time, not both.');
  const own =
    time || options.clock
      ? withOwnTime(timed, time !== undefined)
      : { definition: timed, waits: new Map<string, AslState>(), callbackTimeouts: new Map<string, number>() };
  const machine = machineFor(own.definition, options.resume);
  const entries = new ReportedEntries();
  const runs = new Map<string, number>();
  /** Waits until this run of `stateName` has been reported as entered. */
  const reportedEntry = (stateName: string): Promise<void> => {
    const count = (runs.get(stateName) ?? 0) + 1;
    runs.set(stateName, count);
    return entries.until(stateName, count, options.signal);
  };
  const token = options.taskToken ?? LocalTaskTokens.newToken();
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  // The resumed state's first entry counts from when it was entered before; later entries from now.
  let resumed = options.resume;
  const enteredAt = (stateName: string): { at: Date; resumed?: ResumeAt } => {
    if (resumed && resumed.stateName === stateName) {
      const r = resumed;
      resumed = undefined;
      return { at: r.enteredAt, resumed: r };
    }
    resumed = undefined;
    return { at: time ? time.now() : options.clock ? options.clock.now() : new Date() };
  };

  for (const [stateName, state] of Object.entries(own.definition.States)) {
    const wait = own.waits.get(stateName);
    if (wait && (time || options.clock)) {
      const clock = options.clock;
      handlers[stateName] = async (waitInput) => {
        await reportedEntry(stateName);
        await options.beforeTask?.(stateName, waitInput);
        const end = waitEnd(wait, waitInput, enteredAt(stateName).at);
        if (clock) clock.advanceTo(end);
        else await time?.waitUntil(end, options.signal);
        return {};
      };
      continue;
    }
    if (state.Type !== 'Task' || !state.Resource) continue;
    const resource = state.Resource;
    const callback = LAMBDA_INVOKE.exec(resource);
    handlers[stateName] = async (taskInput) => {
      await reportedEntry(stateName);
      const entry = enteredAt(stateName);
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
      const timeoutSeconds = own.callbackTimeouts.get(stateName) ?? state.TimeoutSeconds ?? NEVER_SECONDS;
      const deadline = new Date(entry.at.getTime() + timeoutSeconds * 1000);
      // Tokens expire on the execution's clock: LocalTaskTokens checks deadlines against its own `now`.
      const answered = options.tokens.wait(token, time ? (deadline.getTime() - time.now().getTime()) / 1000 : timeoutSeconds);
      if (!entry.resumed?.callbackAlreadyInvoked) {
        try {
          await fn(asJson(Payload));
        } catch (error) {
          options.tokens.cancel(token);
          throw error;
        }
        options.onCallbackInvoked?.(stateName);
      }
      if (!time) return asJson(await answered);
      const stop = new AbortController();
      // A stopped execution leaves no timer behind: the wait also ends with the execution's own signal.
      const onAbort = () => stop.abort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const timedOut = time.waitUntil(deadline, stop.signal).then(() => {
        if (stop.signal.aborted) return undefined;
        options.tokens.cancel(token);
        throw new StatesTimeout();
      });
      try {
        return asJson(await Promise.race([answered, timedOut]));
      } finally {
        options.signal?.removeEventListener('abort', onAbort);
        stop.abort();
      }
    };
  }

  // The engine clears a task's timeout timer, and its execution-timeout timer, only once the task's promise
  // settles: a task left hanging by a stopped execution would keep both alive (and the process with them).
  // So a stopped execution also ends the task it was in.
  const settlingOnStop: typeof handlers = {};
  for (const [stateName, handler] of Object.entries(handlers)) {
    settlingOnStop[stateName] = (taskInput) => endedByStop(() => handler(taskInput), options.signal);
  }

  const execution = machine.run(asJson(input) as never, {
    overrides: {
      taskResourceLocalHandlers: settlingOnStop as never,
      waitTimeOverrides: options.waitOverrides ? { ...options.waitOverrides } : undefined,
      retryIntervalOverrides: options.retryIntervalOverrides ? { ...options.retryIntervalOverrides } : undefined,
    },
    context: { Task: { Token: token }, Execution: { Id: options.executionId ?? localExecutionId(randomUUID()) } },
  });

  const onAbort = () => execution.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const path: string[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs as AsyncGenerator<EngineEvent>) {
      if (event.type === 'StateEntered' && event.state) {
        path.push(event.state.name);
        try {
          options.onStateEntered?.(event.state.name, event.state.input);
        } finally {
          entries.reported(event.state.name);
        }
      } else if (event.type === 'StateRetried' && event.state) {
        // A retry runs the state's code again without a new StateEntered: count it as a run of its own.
        entries.reported(event.state.name);
      }
    }
  })();
  try {
    const output = await execution.result;
    await collecting;
    return { status: 'SUCCEEDED', output, path, finalState: path[path.length - 1] ?? '' };
  } catch (error) {
    // After an abort the engine's event log never ends; do not wait for it.
    if (!options.signal?.aborted) await collecting.catch(() => undefined);
    options.tokens.cancel(token);
    const cause = (error as { cause?: { name?: string; message?: string } }).cause;
    return {
      status: 'FAILED',
      error: cause?.name ?? (error as Error).name,
      cause: cause?.message ?? (error as Error).message,
      path,
      finalState: path[path.length - 1] ?? '',
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * `run()`'s result, or a rejection as soon as `signal` aborts, whichever comes first; no listener is left
 * behind. After a stop nothing runs: the engine's retry of the rejected task (its sleep ends at once on the
 * abort) gets the rejection again without starting the task's code.
 */
function endedByStop<T>(run: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return run();
  if (signal.aborted) return Promise.reject(new Error('The execution was stopped'));
  const work = run();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('The execution was stopped'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
