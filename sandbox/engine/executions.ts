import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxClock } from '../clock';
import { readJson, writeJsonAtomic } from '../store/json-file';
import { type LocalExecutionResult, type LocalFunction, runLocalExecution } from '../../workflows/local/local-execution';
import type { AslDefinition } from '../../workflows/local/synthesized-workflow';
import type { LocalTaskTokens } from '../../workflows/local/task-tokens';

/** What `$JIT_HOME/executions/<name>.json` holds about one execution. */
export interface ExecutionRecord {
  readonly name: string;
  readonly arn: string;
  readonly input: unknown;
  readonly startedAt: string;
  readonly taskToken: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  /** The state last entered, with its input: where a restart continues. */
  current?: { state: string; input: unknown; enteredAt: string };
  /** Whether the waiting task of `current` already ran its function (the approver has the link). */
  callbackInvoked?: boolean;
  path: string[];
  finishedAt?: string;
  finalState?: string;
  error?: string;
  cause?: string;
  /** How many times the sandbox picked the execution up again after a restart. */
  resumed?: number;
}

export interface ExecutionEngineOptions {
  readonly home: string;
  readonly definition: AslDefinition;
  readonly stateMachineArn: string;
  /** Function ARN in the definition → handler. */
  readonly functions: ReadonlyMap<string, LocalFunction>;
  readonly tokens: LocalTaskTokens;
  readonly clock: SandboxClock;
  /** Told when an execution ends. */
  readonly onFinished?: (record: ExecutionRecord) => void;
}

const WAIT_FOR_TOKEN = /\.waitForTaskToken$/;

/**
 * Runs executions of the synthesized state machine with aws-local-stepfunctions on the sandbox clock,
 * and keeps each one's progress in `$JIT_HOME/executions/`, so that after a restart every execution that
 * was running continues from the state it was in: a request still waiting for its approver keeps its task
 * token (the emailed link still works) and times out when its window ends; a grant waits for its expiry
 * or, if that passed while the sandbox was stopped, is reset at once and then audited.
 */
export class ExecutionEngine {
  private readonly folder: string;
  private readonly running = new Map<string, Promise<LocalExecutionResult>>();
  private readonly abort = new AbortController();
  private readonly definition: AslDefinition;
  private readonly callbackStates: ReadonlySet<string>;

  constructor(private readonly options: ExecutionEngineOptions) {
    this.folder = join(options.home, 'executions');
    // The execution-wide timeout would restart with every resume; the sandbox leaves it out.
    const { TimeoutSeconds: _timeout, ...definition } = options.definition;
    this.definition = definition as AslDefinition;
    this.callbackStates = new Set(
      Object.entries(definition.States)
        .filter(([, s]) => s.Type === 'Task' && typeof s.Resource === 'string' && WAIT_FOR_TOKEN.test(s.Resource))
        .map(([name]) => name),
    );
  }

  /** Starts an execution, as the EventBridge rule's target does. */
  start(input: unknown, name: string = randomUUID()): ExecutionRecord {
    const record: ExecutionRecord = {
      name,
      arn: `${this.options.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
      input,
      startedAt: this.options.clock.now().toISOString(),
      taskToken: this.newToken(),
      status: 'RUNNING',
      path: [],
    };
    this.save(record);
    this.run(record);
    return record;
  }

  /** Every recorded execution, newest first. */
  list(): ExecutionRecord[] {
    if (!existsSync(this.folder)) return [];
    return readdirSync(this.folder)
      .filter((f) => f.endsWith('.json'))
      .map((f) => readJson<ExecutionRecord | undefined>(join(this.folder, f), undefined))
      .filter((r): r is ExecutionRecord => r !== undefined)
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  /** Continues every execution that was running when the sandbox stopped. Returns how many. */
  resumeAll(): number {
    const unfinished = this.list().filter((r) => r.status === 'RUNNING');
    for (const record of unfinished) {
      record.resumed = (record.resumed ?? 0) + 1;
      this.save(record);
      this.run(record);
    }
    return unfinished.length;
  }

  /** Resolves when every running execution has finished (tests, the demo). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /** Stops the executions without finishing them: they stay RUNNING on disk and resume on the next start. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  private newToken(): string {
    // Same shape as LocalTaskTokens.newToken; the token must survive restarts, so it is made here and kept.
    return `AQB${Buffer.from(randomUUID() + randomUUID() + randomUUID()).toString('base64url')}`;
  }

  private file(name: string): string {
    return join(this.folder, `${name}.json`);
  }

  private save(record: ExecutionRecord): void {
    writeJsonAtomic(this.file(record.name), record);
  }

  private run(record: ExecutionRecord): void {
    const clock = this.options.clock;
    // Functions are wrapped to note when a waiting task's function has run: after a restart it must not
    // run again (a second email with new links), only wait for the token.
    const functions = new Map<string, LocalFunction>();
    for (const [arn, fn] of this.options.functions) {
      functions.set(arn, async (payload) => {
        const result = await fn(payload);
        if (record.current && this.callbackStates.has(record.current.state) && !this.abort.signal.aborted) {
          record.callbackInvoked = true;
          this.save(record);
        }
        return result;
      });
    }
    const resume = record.current
      ? {
          stateName: record.current.state,
          input: record.current.input,
          enteredAt: new Date(record.current.enteredAt),
          callbackAlreadyInvoked: record.callbackInvoked === true && this.callbackStates.has(record.current.state),
        }
      : undefined;
    let reentering = resume !== undefined;
    const execution = runLocalExecution(resume ? resume.input : record.input, {
      definition: this.definition,
      functions,
      tokens: this.options.tokens,
      time: { now: () => clock.now(), waitUntil: (at, signal) => clock.sleepUntil(at, signal) },
      taskToken: record.taskToken,
      ...(resume ? { resume } : {}),
      signal: this.abort.signal,
      onStateEntered: (state, input) => {
        if (this.abort.signal.aborted) return;
        // A resumed execution enters its state again; it keeps the time it was first entered.
        if (reentering && state === resume?.stateName) {
          reentering = false;
          return;
        }
        reentering = false;
        record.current = { state, input, enteredAt: clock.now().toISOString() };
        record.callbackInvoked = false;
        record.path.push(state);
        this.save(record);
      },
    });
    const settled = execution.catch((error: unknown): LocalExecutionResult => {
      // The definition could not even start (a bug, not a workflow outcome): the execution fails visibly.
      console.error(`sandbox: execution ${record.name} could not run:`, error);
      return { status: 'FAILED', error: 'States.Runtime', cause: (error as Error).message, path: record.path, finalState: record.current?.state ?? '' };
    });
    this.running.set(record.name, settled);
    void settled.then((result) => {
      this.running.delete(record.name);
      if (this.abort.signal.aborted) return;
      record.status = result.status;
      record.finishedAt = clock.now().toISOString();
      record.finalState = result.finalState;
      if (result.error) record.error = result.error;
      if (result.cause) record.cause = result.cause;
      this.save(record);
      this.options.onFinished?.(record);
    });
  }
}
