import type { MessagePort } from 'node:worker_threads';
import type { Context } from 'aws-lambda';

/**
 * What the sandbox's main thread and a function worker (sandbox/engine/function-workers.ts) say to each
 * other, and how an invocation crosses: the event and the part of the invocation context that is data go
 * in; the result comes back as Lambda returns it, JSON; an error comes back as Lambda reports one, its
 * type (the error's name) and message, so that a state's Retry and Catch, which match on the name, see
 * the same error as when the function runs on the main thread.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html#runtimes-api-invokeerror
 * @see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html
 */

/** A function as a worker serves it: Lambda's handler, the event and an invocation context. */
export type WorkerHandler = (event: unknown, context?: Partial<Context>) => Promise<unknown>;

/** The invocation context without its functions; its deadline is kept as a time (Lambda's `Lambda-Runtime-Deadline-Ms`). */
export type TransferredContext = { readonly [K in keyof Context as Context[K] extends (...args: never[]) => unknown ? never : K]?: Context[K] } & {
  readonly deadlineMs?: number;
};

/** Main thread → worker: run one invocation. */
export interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: number;
  readonly arn: string;
  readonly event: unknown;
  readonly context?: TransferredContext;
}

/** An error as Lambda reports a function's. */
export interface FunctionError {
  readonly errorType: string;
  readonly errorMessage: string;
  /** Where it was thrown, in the worker: for the sandbox's own log lines only. */
  readonly stack?: string;
}

/** Worker → main thread. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly error: FunctionError };

/** The context's data, to post to a worker; `getRemainingTimeInMillis` becomes its deadline. */
export function contextForTransfer(context: Partial<Context> | undefined, now: number = Date.now()): TransferredContext | undefined {
  if (!context) return undefined;
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) if (typeof value !== 'function') data[key] = value;
  if (context.getRemainingTimeInMillis) data.deadlineMs = now + context.getRemainingTimeInMillis();
  return data as TransferredContext;
}

/** The context a handler gets in the worker: the same data, and the time left until the same deadline. */
export function contextFromTransfer(transferred: TransferredContext): Partial<Context> {
  const { deadlineMs, ...data } = transferred;
  return deadlineMs === undefined ? data : { ...data, getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()) };
}

/** A thrown value as Lambda's Node.js runtime reports it: an Error by its name and message. */
export function functionError(error: unknown): FunctionError {
  if (error instanceof Error) return { errorType: error.name, errorMessage: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { errorType: 'Error', errorMessage: String(error) };
}

/** The error the caller on the main thread gets: the function's name and message, its stack from the worker. */
export function errorFromFunction(reported: FunctionError): Error {
  const error = new Error(reported.errorMessage);
  error.name = reported.errorType;
  if (reported.stack) error.stack = reported.stack;
  return error;
}

/** Lambda serialises a result as JSON: no undefined inside, Dates as strings. An undefined result stays undefined, as on the main thread. */
function asLambdaResult(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** The worker's side: answers each invocation posted on `port` with its function's result or error, then says it is ready. */
export function serveFunctions(port: MessagePort, handlers: ReadonlyMap<string, WorkerHandler>): void {
  port.on('message', (message: InvokeMessage) => {
    const handler = handlers.get(message.arn);
    const run = handler
      ? Promise.resolve().then(() => handler(message.event, message.context ? contextFromTransfer(message.context) : undefined))
      : Promise.reject(new Error(`No function ${message.arn} in this worker.`));
    run.then(
      (value) => port.postMessage({ type: 'result', id: message.id, value: asLambdaResult(value) } satisfies WorkerMessage),
      (error: unknown) => port.postMessage({ type: 'error', id: message.id, error: functionError(error) } satisfies WorkerMessage),
    ).catch((error: unknown) => {
      // A result JSON cannot hold (a cycle, a BigInt) is the function's error, as Lambda would fail it.
      port.postMessage({ type: 'error', id: message.id, error: functionError(error) } satisfies WorkerMessage);
    });
  });
  port.postMessage({ type: 'ready' } satisfies WorkerMessage);
}
