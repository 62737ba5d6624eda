import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { type ClockAnchor, SandboxClock } from '../clock';
import { DirectCallHandler, directCallsOverPort } from './function-aws-transport';
import { type WorkerHandler, serveFunctions } from './function-worker-protocol';
import type { BrokerFunctionInfo } from './function-infos';
import { type FunctionHost, loadFunctions } from './functions';

/**
 * The host's runtime as data a worker thread can be given: everything of `FunctionHost` but the clock,
 * which goes as its anchor (the worker rebuilds the same clock from it), and the randomness, which is
 * the worker's own cryptographic randomness.
 */
export type WorkerFunctionHost = Omit<FunctionHost, 'clock' | 'random'> & { readonly clock: ClockAnchor };

/** What a broker function worker is started with (`workerData.data`). */
export interface BrokerWorkerData {
  readonly functions: readonly BrokerFunctionInfo[];
  readonly host: WorkerFunctionHost;
}

/**
 * A worker thread's own execution environment for the broker's functions (sandbox/engine/function-workers.ts
 * starts it): it loads the same functions `loadBrokerFunctions` loads, with the host's runtime rebuilt
 * here, and serves their invocations until the sandbox stops it.
 */
function main(): void {
  if (!parentPort) throw new Error('sandbox/engine/function-worker.ts runs in a worker thread only.');
  const { data, awsCalls } = workerData as { data: BrokerWorkerData; awsCalls?: MessagePort };
  const { functions, host } = data;
  // With a port for them, the SDK clients' signed requests go to the main thread's AWS router as data.
  const aws = awsCalls && host.aws.endpoint ? { ...host.aws, requestHandler: new DirectCallHandler(directCallsOverPort(awsCalls), host.aws.endpoint) } : host.aws;
  const loaded = loadFunctions(functions, { ...host, aws, clock: SandboxClock.fromAnchor(host.clock) });
  serveFunctions(parentPort, new Map<string, WorkerHandler>(loaded.map((fn) => [fn.arn, fn.handler])));
}

main();
