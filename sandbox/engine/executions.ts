import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { SandboxClock } from '../clock';
import { JournaledRecords, appendJsonLine, forgetPendingWrite, readJson, readJsonLines, writeChangedStateFiles, writeJsonAtomic } from '../store/json-file';
import { type LocalExecutionResult, type LocalFunction, ResumeStateError, localExecutionId, runLocalExecution } from '../../workflows/local/local-execution';
import type { AslDefinition } from '../../workflows/local/asl-definition';
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

/**
 * What changes while an execution runs: kept apart from its file, in `$JIT_HOME/executions-progress.json`
 * (a snapshot plus a journal, `JournaledRecords`), so that entering a state appends a line instead of
 * rewriting the execution's file (on ext4 a rename over an existing file waits for its data: 200 grants
 * at once renamed 1,400 execution files). The file holds the execution as it started, and its whole
 * record again once it stops or cannot continue.
 */
type ExecutionProgress = Pick<ExecutionRecord, 'current' | 'callbackInvoked' | 'path' | 'resumed'>;

/** What an execution file must hold to be continued; anything else is reported, never guessed at. */
const executionRecordSchema = z.looseObject({
  name: z.string().min(1),
  arn: z.string().min(1),
  input: z.unknown(),
  startedAt: z.iso.datetime(),
  taskToken: z.string().min(1),
  status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED']),
  current: z.object({ state: z.string().min(1), input: z.unknown(), enteredAt: z.iso.datetime() }).optional(),
  callbackInvoked: z.boolean().optional(),
  path: z.array(z.string()),
});

/** An execution file that could not be read back. */
export interface UnreadableExecution {
  readonly file: string;
  readonly reason: string;
}

/** What a restart did with the executions that were running. */
export interface ResumeOutcome {
  /** Names of the executions that continue. */
  readonly resumed: string[];
  /** Executions that cannot continue, each with why. Their files are left exactly as they were. */
  readonly failed: Array<{ readonly file: string; readonly name?: string; readonly reason: string }>;
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

  /** `$JIT_HOME/executions-finished.jsonl`: one line per finished execution, its final record. */
  private readonly archiveFile: string;
  /** The finished executions, oldest first (the archive, read once). */
  private readonly finished: ExecutionRecord[];
  /** The progress of the running executions since their files were written, by name. */
  private readonly progress: JournaledRecords<ExecutionProgress>;
  /** The executions this engine runs, by name, as they stand. */
  private readonly records = new Map<string, ExecutionRecord>();

  constructor(private readonly options: ExecutionEngineOptions) {
    this.folder = join(options.home, 'executions');
    this.archiveFile = join(options.home, 'executions-finished.jsonl');
    this.finished = readJsonLines<ExecutionRecord>(this.archiveFile);
    this.progress = new JournaledRecords<ExecutionProgress>(join(options.home, 'executions-progress.json'));
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
    // On disk (fsync) before the event that started it is answered as accepted; it runs after that.
    writeJsonAtomic(this.file(record.name), record, { durable: true });
    this.running.set(
      name,
      new Promise<void>((resolve) => setImmediate(resolve)).then((): Promise<LocalExecutionResult> | LocalExecutionResult => {
        if (this.abort.signal.aborted) {
          // Stopped before it ran: it stays RUNNING on disk and starts on the next start.
          this.running.delete(name);
          return { status: 'FAILED', error: 'ExecutionAborted', cause: 'The sandbox stopped before the execution ran.', path: [], finalState: '' };
        }
        this.run(record);
        return this.running.get(name) ?? Promise.reject(new Error(`Execution ${name} did not start.`));
      }),
    );
    return record;
  }

  /** Every recorded execution that can be read, running and finished, newest first (see `unreadable` for the others). */
  list(): ExecutionRecord[] {
    const running = this.scan().records;
    const names = new Set(running.map((r) => r.name));
    return [...running, ...this.finished.filter((r) => !names.has(r.name))].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  /** Execution files that are damaged (cut short, not JSON, not an execution record), each with why. */
  unreadable(): UnreadableExecution[] {
    return this.scan().unreadable;
  }

  /**
   * Continues every execution that was running when the sandbox stopped, each from the state it was in.
   * One that cannot continue (a damaged file, a state the definition no longer has) is reported with the
   * reason and does not stop the others.
   */
  resumeAll(): ResumeOutcome {
    const { records, unreadable } = this.scan();
    // Progress of an execution whose file is gone (deleted by hand) has nothing left to continue.
    for (const name of Object.keys(this.progress.get())) if (!existsSync(this.file(name))) this.progress.remove(name);
    const outcome: ResumeOutcome = { resumed: [], failed: unreadable.map((u) => ({ file: u.file, reason: u.reason })) };
    for (const record of records.filter((r) => r.status === 'RUNNING')) {
      const state = record.current?.state;
      if (state !== undefined && !Object.hasOwn(this.definition.States, state)) {
        const reason = new ResumeStateError(state, Object.keys(this.definition.States)).message;
        // Its file stays, FAILED, where the user looks for it (it is not archived).
        this.finish(record, { status: 'FAILED', error: 'States.Runtime', cause: reason, path: record.path, finalState: state }, { keepFile: true });
        outcome.failed.push({ file: this.file(record.name), name: record.name, reason });
        continue;
      }
      record.resumed = (record.resumed ?? 0) + 1;
      this.save(record);
      this.run(record);
      outcome.resumed.push(record.name);
    }
    return outcome;
  }

  /** Resolves when every running execution has finished (tests, the demo). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
    writeChangedStateFiles();
  }

  /** Stops the executions without finishing them: they stay RUNNING on disk and resume on the next start. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.running.values()]);
    // Each file holds its execution whole again, so that a file is what the next start reads (and what a
    // person who edits it changes); the progress kept apart is then spent.
    for (const record of this.records.values()) {
      writeJsonAtomic(this.file(record.name), record);
      this.progress.remove(record.name);
    }
    this.records.clear();
    writeChangedStateFiles();
  }

  private newToken(): string {
    // Same shape as LocalTaskTokens.newToken; the token must survive restarts, so it is made here and kept.
    return `AQB${Buffer.from(randomUUID() + randomUUID() + randomUUID()).toString('base64url')}`;
  }

  private scan(): { records: ExecutionRecord[]; unreadable: UnreadableExecution[] } {
    if (!existsSync(this.folder)) return { records: [], unreadable: [] };
    const records: ExecutionRecord[] = [];
    const unreadable: UnreadableExecution[] = [];
    const archived = new Set(this.finished.map((r) => r.name));
    for (const name of readdirSync(this.folder).filter((f) => f.endsWith('.json') && !archived.has(f.slice(0, -'.json'.length)))) {
      const file = join(this.folder, name);
      let value: unknown;
      try {
        value = readJson<unknown>(file, undefined);
      } catch (error) {
        unreadable.push({ file, reason: (error as Error).message });
        continue;
      }
      // A running execution's progress since its file was written (see `ExecutionProgress`).
      const progress = (value as { status?: unknown } | undefined)?.status === 'RUNNING' ? this.progress.get()[name.slice(0, -'.json'.length)] : undefined;
      const parsed = executionRecordSchema.safeParse(progress ? { ...(value as object), ...progress } : value);
      if (!parsed.success) {
        const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
        unreadable.push({ file, reason: `${file} is not an execution record (${issues}); fix or delete it and start again.` });
        continue;
      }
      records.push(parsed.data as ExecutionRecord);
    }
    return { records: records.sort((a, b) => b.startedAt.localeCompare(a.startedAt)), unreadable };
  }

  private file(name: string): string {
    return join(this.folder, `${name}.json`);
  }

  /** Progress is written with the next flush of the state files: a line of the progress journal. */
  private save(record: ExecutionRecord): void {
    const { current, callbackInvoked, path, resumed } = record;
    this.progress.put(record.name, {
      path: [...path],
      ...(current ? { current } : {}),
      ...(callbackInvoked === undefined ? {} : { callbackInvoked }),
      ...(resumed === undefined ? {} : { resumed }),
    });
  }

  private run(record: ExecutionRecord): void {
    this.records.set(record.name, record);
    const clock = this.options.clock;
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
      functions: this.options.functions,
      tokens: this.options.tokens,
      time: { now: () => clock.now(), waitUntil: (at, signal) => clock.sleepUntil(at, signal) },
      taskToken: record.taskToken,
      // Kept across restarts like the token: a Register resumed after one recognises its own write.
      executionId: localExecutionId(record.name),
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
      // After a restart a waiting task's function must not run again (a second email with new links):
      // only the token is awaited.
      onCallbackInvoked: (state) => {
        if (this.abort.signal.aborted || record.current?.state !== state) return;
        record.callbackInvoked = true;
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
      this.finish(record, result);
    });
  }

  /**
   * Records the end. A finished execution is compacted: its final record becomes one line of the
   * archive (on disk first) and its file goes, so that a restart, the home page and every scan read only
   * the executions still running however many have finished.
   */
  private finish(record: ExecutionRecord, result: LocalExecutionResult, options: { readonly keepFile?: boolean } = {}): void {
    record.status = result.status;
    record.finishedAt = this.options.clock.now().toISOString();
    record.finalState = result.finalState;
    if (result.error) record.error = result.error;
    if (result.cause) record.cause = result.cause;
    // The end is written at once: whoever is told it ended (onFinished, settled) finds it on disk.
    this.records.delete(record.name);
    this.progress.remove(record.name);
    if (options.keepFile) {
      writeJsonAtomic(this.file(record.name), record);
    } else {
      appendJsonLine(this.archiveFile, record, { durable: true });
      this.finished.push(record);
      forgetPendingWrite(this.file(record.name));
      // A crash before this leaves both; the scan skips a file whose execution is archived.
      unlinkSync(this.file(record.name));
    }
    this.options.onFinished?.(record);
  }
}
