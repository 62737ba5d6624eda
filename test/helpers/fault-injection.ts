import { AsyncLocalStorage } from 'node:async_hooks';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalFunction } from '../../workflows/local/local-execution';

/**
 * How a task fails, each the way Lambda and Step Functions report it.
 *
 * - `throttled`: the AWS call is refused with the SDK's `ThrottlingException` before it does anything;
 *   the handler reports `ThrottledError`, which the state machine retries.
 * - `timeout`: the function runs out of time (or memory) at that point: whatever it had done stays done,
 *   nothing after it happens, and Step Functions sees `Lambda.Unknown`.
 * - `lost-response`: the call's side effect happens, then the function's answer never reaches Step
 *   Functions, which sees `Lambda.ServiceException` and (by the default Lambda retry) runs the task again.
 *
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
export type FaultKind = 'throttled' | 'timeout' | 'lost-response';

/** Where in a task the fault strikes: before or after one of its AWS calls (by SDK command name). */
export interface FaultPoint {
  /** The SDK command, e.g. `PutSecretValueCommand`, `PutCommand` (DynamoDB document client). */
  readonly command: string;
  readonly when: 'before' | 'after';
  /** Which call of that command within the task (1 = the first). @default 1 */
  readonly nth?: number;
}

export interface Fault {
  /** The task state, e.g. `Mint`, and the function it invokes. */
  readonly state: string;
  readonly kind: FaultKind;
  readonly at: FaultPoint;
}

/** The clients whose `send` the fakes stub: every AWS API a handler calls goes through one of them. */
const CLIENTS = [
  STSClient,
  SchedulerClient,
  SESv2Client,
  EventBridgeClient,
  CloudTrailClient,
  SFNClient,
  IAMClient,
  LambdaClient,
  DynamoDBDocumentClient,
  SecretsManagerClient,
  S3Client,
] as const;

interface Invocation {
  readonly state: string;
  /** Calls of each command so far in this invocation. */
  readonly calls: Map<string, number>;
  /** Set once the invocation died: its remaining code must not touch AWS any more. */
  dead: boolean;
  readonly die: (error: Error) => void;
}

function lambdaError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

function throttling(command: string): Error {
  // As an SDK v3 client rejects a throttled call: `isThrottlingError` recognises the name.
  return Object.assign(new Error(`Rate exceeded (${command})`), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

const never = new Promise<never>(() => undefined);

/**
 * Injects one fault into one task of a local run, once: the first invocation of that task that reaches
 * the fault point fails there; later attempts (the state machine's retries) run normally.
 *
 * It wraps the real handlers (the function map of the run) and the SDK clients' `send` (after the fakes
 * stubbed them, so `aws.restore()` restores the originals), and keeps each invocation's calls apart with
 * AsyncLocalStorage, so a dead invocation's leftover code is stopped at its next AWS call while the
 * retry runs.
 */
export class FaultInjector {
  private readonly current = new AsyncLocalStorage<Invocation>();
  private readonly originals: Array<{ proto: { send: unknown }; send: unknown }> = [];
  /** Whether the fault has struck yet, and how many times each state's function was invoked. */
  struck = false;
  readonly invocations = new Map<string, number>();

  constructor(private readonly fault: Fault | undefined) {
    for (const client of CLIENTS) {
      const proto = client.prototype as unknown as { send: (this: unknown, command: unknown, ...rest: unknown[]) => Promise<unknown> };
      const stubbed = proto.send;
      this.originals.push({ proto, send: stubbed });
      const around = (command: string, send: () => Promise<unknown>) => this.around(command, send);
      proto.send = function send(this: unknown, command: unknown, ...rest: unknown[]) {
        return around(String((command as object).constructor.name), () => stubbed.call(this, command, ...rest));
      };
    }
  }

  /** Puts the stubs back (before the fakes restore the real clients). */
  uninstall(): void {
    for (const { proto, send } of this.originals.splice(0)) proto.send = send;
  }

  /** The run's functions, each invocation tracked and the faulty state's function wrapped. */
  wrap(functions: ReadonlyMap<string, LocalFunction>, stateOfFunction: (arn: string) => string[]): Map<string, LocalFunction> {
    const wrapped = new Map<string, LocalFunction>();
    for (const [arn, fn] of functions) {
      wrapped.set(arn, (payload) => this.invoke(stateOfFunction(arn), fn, payload));
    }
    return wrapped;
  }

  /** The state a payload is for: the states sharing a function differ in their payloads, so the run tells us. */
  private state: string | undefined;
  entering(state: string): void {
    this.state = state;
  }

  private invoke(states: string[], fn: LocalFunction, payload: unknown): Promise<unknown> {
    const state = this.state && states.includes(this.state) ? this.state : states[0];
    this.invocations.set(state, (this.invocations.get(state) ?? 0) + 1);
    let die: (error: Error) => void = () => undefined;
    const died = new Promise<never>((_, reject) => (die = reject));
    const invocation: Invocation = { state, calls: new Map(), dead: false, die };
    const run = this.current.run(invocation, () => fn(payload));
    return Promise.race([run, died]);
  }

  private async around(command: string, send: () => Promise<unknown>): Promise<unknown> {
    const invocation = this.current.getStore();
    if (!invocation) return send();
    if (invocation.dead) return never;
    const count = (invocation.calls.get(command) ?? 0) + 1;
    invocation.calls.set(command, count);
    const fault = this.fault;
    const here = !this.struck && fault !== undefined && fault.state === invocation.state && fault.at.command === command && (fault.at.nth ?? 1) === count;
    if (here && fault.at.when === 'before') {
      this.struck = true;
      if (fault.kind === 'throttled') throw throttling(command);
      return this.kill(invocation, fault.kind, command);
    }
    const result = await send();
    if (here && fault.at.when === 'after') {
      this.struck = true;
      if (fault.kind === 'throttled') throw throttling(command);
      return this.kill(invocation, fault.kind, command);
    }
    return result;
  }

  private kill(invocation: Invocation, kind: FaultKind, command: string): Promise<never> {
    invocation.dead = true;
    invocation.die(
      kind === 'timeout'
        ? lambdaError('Lambda.Unknown', `The function timed out at ${command}.`)
        : lambdaError('Lambda.ServiceException', `The function's response was lost after ${command}.`),
    );
    return never;
  }
}
