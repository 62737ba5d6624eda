import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import type { SynthesizedStack } from '../template/deployed-template';
import { contextForTransfer, errorFromFunction, type InvokeMessage, type WorkerHandler, type WorkerMessage } from './function-worker-protocol';
import type { BrokerWorkerData, WorkerFunctionHost } from './function-worker';
import { type DirectCalls, serveDirectCalls } from './function-aws-transport';
import { brokerFunctions } from './function-infos';
import type { LoadedFunction } from './functions';

/**
 * The broker's Lambda functions run in worker threads, as Lambda runs each function in an execution
 * environment of its own, so that the sandbox's AWS emulation (its HTTP server, SigV4, the services, the
 * Step Functions engine) on the main thread and the functions (their SDK clients, which call the sandbox
 * over HTTP) share the machine's cores. The main thread gets one proxy per function, shaped as the
 * function's handler, so the engine, the scheduler, EventBridge's targets, execute-api and Lambda's
 * Invoke call them unchanged.
 *
 * An invocation goes to the worker with the fewest running. A worker that exits (an uncaught error, an
 * unhandled rejection) fails the invocations it was running as Lambda fails them when a function's
 * runtime exits, `Runtime.ExitError`, and a new worker takes its place; one that could not start is
 * started again only when the next invocation comes.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 * @see https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html
 */

/** How many workers the sandbox starts unless told: one when there is a second core for it, else none (the functions run on the main thread). */
export function defaultFunctionWorkers(parallelism: number = availableParallelism()): number {
  return parallelism >= 2 ? 1 : 0;
}

/** The error type Lambda reports when a function's runtime process exits during an invocation. */
export const RUNTIME_EXIT_ERROR = 'Runtime.ExitError';
/** The error of an invocation the sandbox's stop ended (not an AWS error: nothing in AWS stops like this). */
export const SANDBOX_STOPPED_ERROR = 'SandboxStopped';

const ENTRY = join(__dirname, 'function-worker-entry.js');
const BROKER_WORKER_MODULE = join(__dirname, 'function-worker.ts');

export interface FunctionWorkersOptions {
  /** How many worker threads; at least 1. */
  readonly workers: number;
  /** The TypeScript module each worker runs; it serves its functions with `serveFunctions`. */
  readonly module: string;
  /** What the module reads as `workerData.data` (structured-cloned into each worker). */
  readonly data: unknown;
  /** Told when a worker exits by itself (the sandbox logs it). @default console.error */
  readonly onExit?: (description: string) => void;
  /**
   * Answers the workers' AWS calls on the main thread (sandbox/engine/function-aws-transport.ts): each worker
   * gets a port for them, as `workerData.awsCalls`. @default none: the workers call over HTTP
   */
  readonly directCalls?: DirectCalls;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

/** One worker thread and the invocations it is running. */
class FunctionThread {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  readonly ready: Promise<void>;
  started = false;
  exited = false;
  private uncaught: Error | undefined;

  constructor(options: FunctionWorkersOptions, onExit: (thread: FunctionThread, code: number, uncaught: Error | undefined) => void) {
    let awsCalls: MessagePort | undefined;
    if (options.directCalls) {
      const channel = new MessageChannel();
      serveDirectCalls(channel.port1, options.directCalls);
      awsCalls = channel.port2;
    }
    // The environment of whoever started the sandbox (under jest, the test's `process.env`, not the real one).
    this.worker = new Worker(ENTRY, {
      workerData: { module: options.module, data: options.data, ...(awsCalls ? { awsCalls } : {}) },
      ...(awsCalls ? { transferList: [awsCalls] } : {}),
      env: process.env,
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          this.started = true;
          resolve();
          return;
        }
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        if (message.type === 'result') pending.resolve(message.value);
        else pending.reject(errorFromFunction(message.error));
      });
      this.worker.on('error', (error) => {
        this.uncaught = error;
      });
      this.worker.on('exit', (code) => {
        this.exited = true;
        if (!this.started) reject(new Error(`The function worker exited before it was ready (exit code ${code})${this.uncaught ? `: ${this.uncaught.message}` : ''}`));
        onExit(this, code, this.uncaught);
      });
    });
    // A worker that fails to start fails its invocations (through `exit`); nobody else need await this.
    this.ready.catch(() => undefined);
  }

  invoke(id: number, message: InvokeMessage): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.worker.postMessage(message);
      } catch (error) {
        // An event the structured clone cannot copy never reaches the worker: its call fails here.
        this.pending.delete(id);
        reject(error as Error);
      }
    });
  }
}

/** Worker threads that run functions, and the proxies that invoke them. */
export class FunctionWorkers {
  private readonly slots: Array<FunctionThread | undefined>;
  private nextId = 1;
  private stopping = false;

  private constructor(private readonly options: FunctionWorkersOptions) {
    if (!(Number.isInteger(options.workers) && options.workers >= 1)) throw new RangeError(`A function pool needs at least one worker; received ${options.workers}.`);
    this.slots = Array.from({ length: options.workers }, () => undefined);
  }

  /** Starts the workers and resolves once each has loaded its functions; rejects (leaving no thread) if one cannot. */
  static async start(options: FunctionWorkersOptions): Promise<FunctionWorkers> {
    const pool = new FunctionWorkers(options);
    const threads = pool.slots.map((_, i) => pool.spawn(i));
    try {
      await Promise.all(threads.map((t) => t.ready));
    } catch (error) {
      await pool.stop();
      throw error;
    }
    return pool;
  }

  /** How many worker threads are running now. */
  get running(): number {
    return this.slots.filter((t) => t && !t.exited).length;
  }

  /** How busy each running worker's event loop has been since it started (the benchmark reports it). */
  eventLoopUtilization(): EventLoopUtilization[] {
    return this.slots.flatMap((t) => (t && !t.exited ? [t.worker.performance.eventLoopUtilization()] : []));
  }

  /** The function `arn` as a handler: `(event, context?) => result`, run in a worker. */
  proxy(arn: string): WorkerHandler {
    return (event, context) => this.invoke(arn, event, context);
  }

  invoke(arn: string, event: unknown, context?: Partial<Context>): Promise<unknown> {
    if (this.stopping) return Promise.reject(stoppedError());
    const id = this.nextId++;
    const transferred = contextForTransfer(context);
    return this.pick().invoke(id, { type: 'invoke', id, arn, event, ...(transferred ? { context: transferred } : {}) });
  }

  /** Ends every worker; invocations still running fail with `SandboxStopped`. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.slots.map((t) => (t && !t.exited ? t.worker.terminate() : undefined)));
  }

  /** The running worker with the fewest invocations; a slot whose worker is gone gets a new one. */
  private pick(): FunctionThread {
    let best: FunctionThread | undefined;
    this.slots.forEach((thread, i) => {
      const live = thread && !thread.exited ? thread : this.spawn(i);
      if (!best || live.pending.size < best.pending.size) best = live;
    });
    if (!best) throw new Error('The function pool has no worker.');
    return best;
  }

  private spawn(slot: number): FunctionThread {
    const thread = new FunctionThread(this.options, (exited, code, uncaught) => this.exited(slot, exited, code, uncaught));
    this.slots[slot] = thread;
    return thread;
  }

  private exited(slot: number, thread: FunctionThread, code: number, uncaught: Error | undefined): void {
    const failed = [...thread.pending.values()];
    thread.pending.clear();
    for (const pending of failed) pending.reject(this.stopping ? stoppedError() : runtimeExitError(code, uncaught));
    if (this.stopping) return;
    (this.options.onExit ?? ((line) => console.error(line)))(
      `sandbox: a function worker exited (exit code ${code}${uncaught ? `, ${uncaught.name}: ${uncaught.message}` : ''}); ${failed.length} invocation(s) failed with ${RUNTIME_EXIT_ERROR}${thread.started ? '; a new worker starts' : ''}`,
    );
    // A worker that ran is replaced at once; one that never became ready only when work comes, so a
    // worker that cannot start is not restarted in a loop.
    if (thread.started && this.slots[slot] === thread) this.spawn(slot);
  }
}

/**
 * What Lambda answers when the runtime exits during an invocation: errorType `Runtime.ExitError`,
 * errorMessage "... Runtime exited with error: exit status N".
 * @see https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html
 */
function runtimeExitError(code: number, uncaught: Error | undefined): Error {
  const error = new Error(`Runtime exited with error: exit status ${code}${uncaught ? ` (${uncaught.name}: ${uncaught.message})` : ''}`);
  error.name = RUNTIME_EXIT_ERROR;
  return error;
}

function stoppedError(): Error {
  const error = new Error('The sandbox stopped before the function returned.');
  error.name = SANDBOX_STOPPED_ERROR;
  return error;
}

/** The broker's functions, running in `workers` worker threads. */
export interface BrokerFunctionWorkers {
  /** Every broker function of the stack, its handler a proxy to the workers. */
  readonly functions: LoadedFunction[];
  readonly pool: FunctionWorkers;
  stop(): Promise<void>;
}

/** Starts `workers` threads that each load every broker function of the stack with the host's runtime. */
export async function startBrokerFunctionWorkers(
  stack: SynthesizedStack,
  host: WorkerFunctionHost,
  workers: number,
  directCalls?: DirectCalls,
): Promise<BrokerFunctionWorkers> {
  const infos = brokerFunctions(stack);
  const data: BrokerWorkerData = { functions: infos, host };
  const pool = await FunctionWorkers.start({ workers, module: BROKER_WORKER_MODULE, data, ...(directCalls ? { directCalls } : {}) });
  return { functions: infos.map((fn) => ({ ...fn, handler: pool.proxy(fn.arn) })), pool, stop: () => pool.stop() };
}
