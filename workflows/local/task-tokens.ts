import { randomBytes } from 'node:crypto';

/** The error Step Functions returns for a token that is unknown, already answered, or timed out. */
export class TaskTimedOutError extends Error {
  constructor() {
    super('Task Timed Out: the task token is not valid, was already used, or its task has timed out.');
    this.name = 'TaskTimedOut';
  }
}

/** What a failed task surfaces to the state machine: the error name Catch rules match on. */
export class TaskFailedError extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

interface Waiting {
  readonly deadline: number;
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The callback half of Step Functions for local runs: `.waitForTaskToken` tasks register a token and wait;
 * `sendTaskSuccess` / `sendTaskFailure` answer it once, with the service's rules — a second answer, an
 * unknown token or one past its task's timeout fails with `TaskTimedOut`.
 */
export class LocalTaskTokens {
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A token in the service's shape: opaque and long. */
  static newToken(): string {
    return `AQB${randomBytes(96).toString('base64url')}`;
  }

  /** Registers a token for a waiting task; the promise settles with the answer. */
  wait(token: string, timeoutSeconds: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.waiting.set(token, { deadline: this.now() + timeoutSeconds * 1000, resolve, reject });
    });
  }

  isWaiting(token: string): boolean {
    return this.take(token, false) !== undefined;
  }

  sendTaskSuccess(token: string, output: string): void {
    const waiting = this.take(token, true);
    if (!waiting) throw new TaskTimedOutError();
    waiting.resolve(JSON.parse(output));
  }

  sendTaskFailure(token: string, error: string, cause: string): void {
    const waiting = this.take(token, true);
    if (!waiting) throw new TaskTimedOutError();
    waiting.reject(new TaskFailedError(error, cause));
  }

  /** Forgets a token whose task ended another way (timeout, aborted execution). */
  cancel(token: string): void {
    this.waiting.delete(token);
  }

  private take(token: string, remove: boolean): Waiting | undefined {
    const waiting = this.waiting.get(token);
    if (!waiting) return undefined;
    if (this.now() >= waiting.deadline) {
      this.waiting.delete(token);
      return undefined;
    }
    if (remove) this.waiting.delete(token);
    return waiting;
  }
}
