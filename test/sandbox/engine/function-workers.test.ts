import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SandboxClock } from '../../../sandbox/clock';
import { FunctionWorkers, RUNTIME_EXIT_ERROR, SANDBOX_STOPPED_ERROR, defaultFunctionWorkers, startBrokerFunctionWorkers } from '../../../sandbox/engine/function-workers';
import { contextForTransfer, contextFromTransfer } from '../../../sandbox/engine/function-worker-protocol';
import { lambdaContext } from '../../../sandbox/engine/function-infos';
import { loadBrokerFunctions } from '../../../sandbox/engine/functions';
import type { AslDefinition } from '../../../workflows/local/asl-definition';
import { type LocalFunction, runLocalExecution } from '../../../workflows/local/local-execution';
import { LocalTaskTokens } from '../../../workflows/local/task-tokens';
import { synthesizedStack } from '../../helpers/iam-template';
import { synthApp } from '../../helpers/synth';

/**
 * The broker's functions in worker threads (sandbox/engine/function-workers.ts): what crosses between the
 * threads, how errors keep their names for the state machine, what a crashed or stopped worker does to the
 * invocations it was running. Most tests run the protocol against a test worker (test/helpers/test-functions-worker.ts), whose
 * functions return, throw, hang and crash; the last ones start the broker's own functions in a worker.
 */
const TEST_WORKER = join(__dirname, '..', '..', 'helpers', 'test-functions-worker.ts');
const pools: FunctionWorkers[] = [];

async function testPool(workers = 1, data: object = {}, onExit: (line: string) => void = () => undefined): Promise<FunctionWorkers> {
  const pool = await FunctionWorkers.start({ workers, module: TEST_WORKER, data, onExit });
  pools.push(pool);
  return pool;
}

/** This process's OS threads (Linux), or undefined elsewhere. */
function osThreads(): number | undefined {
  return existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : undefined;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.stop()));
});

describe('Function workers: the broker functions in worker threads', () => {
  it('starts one worker when there is a second core, none (the main thread) on one', () => {
    expect(defaultFunctionWorkers(1)).toBe(0);
    expect(defaultFunctionWorkers(2)).toBe(1);
    expect(defaultFunctionWorkers(8)).toBe(1);
  });

  it("passes the event and the invocation context's data in, and the result back as Lambda returns it: JSON", async () => {
    // Prepare
    const pool = await testPool();
    const context = lambdaContext('arn:aws:lambda:eu-west-1:111111111111:function:jit-echo', 60_000);

    // Act
    const result = (await pool.invoke('echo', { requestId: 'req-1', nested: { minutes: 15 } }, context)) as Record<string, unknown>;
    const nothing = await pool.invoke('nothing', {});

    // Assess
    expect(result).toEqual({
      event: { requestId: 'req-1', nested: { minutes: 15 } },
      // A Date comes back as its JSON string; an undefined field is left out, as JSON leaves it.
      at: '1970-01-01T00:00:00.000Z',
      requestId: context.awsRequestId,
      functionName: 'jit-echo',
      remainingMs: expect.any(Number),
      threadId: expect.any(Number),
    });
    expect(Object.hasOwn(result, 'undefinedField')).toBe(false);
    // The deadline crossed as a time: what is left in the worker is what was left here, less the trip.
    expect(result.remainingMs).toBeLessThanOrEqual(60_000);
    expect(result.remainingMs).toBeGreaterThan(50_000);
    expect(result.threadId).not.toBe(0);
    expect(nothing).toBeUndefined();
  });

  it("keeps the context's deadline: the time left is the deadline less now, never below zero", () => {
    const transferred = contextForTransfer({ awsRequestId: 'r-1', getRemainingTimeInMillis: () => 1_000 }, Date.now());
    expect(transferred).toEqual({ awsRequestId: 'r-1', deadlineMs: expect.any(Number) });
    const rebuilt = contextFromTransfer({ ...transferred, deadlineMs: Date.now() - 5 });
    expect(rebuilt.awsRequestId).toBe('r-1');
    expect(rebuilt.getRemainingTimeInMillis?.()).toBe(0);
    expect(contextForTransfer(undefined)).toBeUndefined();
  });

  it("rethrows a function's error with its name and message, as Lambda reports errorType and errorMessage", async () => {
    const pool = await testPool();
    await expect(pool.invoke('fail', { requestId: 'req-2' })).rejects.toMatchObject({ name: 'ApprovalWindowClosed', message: 'Nobody decided on req-2.' });
    await expect(pool.invoke('no-such-function', {})).rejects.toThrow(/No function no-such-function in this worker/);
    // An event that is not data (a function) cannot be copied to the worker: that call fails, the next runs.
    await expect(pool.invoke('echo', { callback: () => undefined })).rejects.toMatchObject({ name: 'DataCloneError' });
    await expect(pool.invoke('echo', { after: true })).resolves.toMatchObject({ event: { after: true } });
  });

  it("lets the state machine Catch a worker's error by its name, with the same outcome as on the main thread", async () => {
    // Prepare
    const pool = await testPool();
    const FUNCTION = 'arn:aws:lambda:eu-west-1:111111111111:function:jit-decide';
    const definition: AslDefinition = {
      StartAt: 'Decide',
      States: {
        Decide: {
          Type: 'Task',
          Resource: FUNCTION,
          // A retry on another name must not match; the catch by this name must.
          Retry: [{ ErrorEquals: ['ThrottledError'], MaxAttempts: 3, IntervalSeconds: 1 }],
          Catch: [{ ErrorEquals: ['ApprovalWindowClosed'], ResultPath: '$.error', Next: 'Expired' }],
          Next: 'Granted',
        },
        Granted: { Type: 'Succeed' },
        Expired: { Type: 'Pass', End: true },
      },
    };
    const uncaught: AslDefinition = { StartAt: 'Decide', States: { Decide: { Type: 'Task', Resource: FUNCTION, End: true } } };
    class ApprovalWindowClosedError extends Error {
      override name = 'ApprovalWindowClosed';
    }
    const onMainThread: LocalFunction = async (event) => {
      throw new ApprovalWindowClosedError(`Nobody decided on ${(event as { requestId: string }).requestId}.`);
    };
    const run = (def: AslDefinition, fn: LocalFunction) => runLocalExecution({ requestId: 'req-3' }, { definition: def, functions: new Map([[FUNCTION, fn]]), tokens: new LocalTaskTokens() });

    // Act
    const caught = await run(definition, pool.proxy('fail'));
    const failed = await run(uncaught, pool.proxy('fail'));

    // Assess
    expect(caught).toMatchObject({ status: 'SUCCEEDED', path: ['Decide', 'Expired'], output: { requestId: 'req-3', error: { Error: 'ApprovalWindowClosed', Cause: 'Nobody decided on req-3.' } } });
    expect(caught).toEqual(await run(definition, onMainThread));
    expect(failed).toMatchObject({ status: 'FAILED', error: 'ApprovalWindowClosed', cause: 'Nobody decided on req-3.' });
    expect(failed).toEqual(await run(uncaught, onMainThread));
  });

  it('fails every invocation a crashed worker was running with Runtime.ExitError, and runs the next on a new worker', async () => {
    // Prepare
    const exits: string[] = [];
    const pool = await testPool(1, {}, (line) => exits.push(line));
    const before = (await pool.invoke('echo', {})) as { threadId: number };

    // Act
    const hanging = pool.invoke('hang', {});
    const crashing = pool.invoke('crash', {});

    // Assess
    await expect(crashing).rejects.toMatchObject({ name: RUNTIME_EXIT_ERROR, message: expect.stringMatching(/^Runtime exited with error: exit status 1 \(TypeError: boom\)$/) });
    await expect(hanging).rejects.toMatchObject({ name: RUNTIME_EXIT_ERROR });
    expect(exits).toEqual([expect.stringMatching(/a function worker exited .*TypeError: boom.*2 invocation\(s\) failed with Runtime\.ExitError; a new worker starts/)]);
    const after = (await pool.invoke('echo', { again: true })) as { threadId: number; event: unknown };
    expect(after.event).toEqual({ again: true });
    expect(after.threadId).not.toBe(before.threadId);
    expect(pool.running).toBe(1);
  });

  it('ends every worker on stop: what they were running fails with SandboxStopped, later calls are refused, and no thread is left', async () => {
    // Prepare
    const threadsBefore = osThreads();
    const pool = await testPool(2);
    expect(pool.running).toBe(2);
    const hanging = [pool.invoke('hang', {}), pool.invoke('hang', {})];
    if (threadsBefore !== undefined) expect(osThreads()).toBeGreaterThan(threadsBefore);

    const settled = Promise.allSettled(hanging);

    // Act
    await pool.stop();

    // Assess
    const outcomes = await settled;
    expect(outcomes).toEqual(hanging.map(() => ({ status: 'rejected', reason: expect.objectContaining({ name: SANDBOX_STOPPED_ERROR }) })));
    await expect(pool.invoke('echo', {})).rejects.toMatchObject({ name: SANDBOX_STOPPED_ERROR });
    expect(pool.running).toBe(0);
    if (threadsBefore !== undefined) expect(osThreads()).toBeLessThanOrEqual(threadsBefore);
  });

  it('refuses to start when a worker cannot load its functions, and leaves no worker running', async () => {
    const threadsBefore = osThreads();
    await expect(FunctionWorkers.start({ workers: 2, module: TEST_WORKER, data: { failStart: 'the settings file is not there' }, onExit: () => undefined })).rejects.toThrow(
      /exited before it was ready \(exit code 1\): the settings file is not there/,
    );
    if (threadsBefore !== undefined) expect(osThreads()).toBeLessThanOrEqual(threadsBefore);
  });

  describe("the broker's own functions", () => {
    const stack = synthesizedStack(synthApp().stacks.broker);
    const clock = SandboxClock.unpersisted(60);
    const host = { logLevel: 'SILENT', region: stack.region, aws: { region: stack.region, endpoint: 'http://127.0.0.1:9' } };

    it('serves every function the loader loads, under the same ARNs, and a function refuses malformed input by name as on the main thread', async () => {
      // Prepare
      const workers = await startBrokerFunctionWorkers(stack, { ...host, clock: clock.anchorPoint }, 1);
      pools.push(workers.pool);
      const inProcess = loadBrokerFunctions(stack, { ...host, clock });
      const register = (functions: typeof inProcess) => functions.find((fn) => fn.entry === 'register');

      // Act
      const fromWorker = register(workers.functions)?.handler({ not: 'an envelope' });
      const fromMain = register(inProcess)?.handler({ not: 'an envelope' });

      // Assess
      expect(workers.functions.map((fn) => [fn.entry, fn.arn])).toEqual(inProcess.map((fn) => [fn.entry, fn.arn]));
      const mainError = await fromMain?.catch((error: Error) => error);
      expect(mainError).toMatchObject({ name: 'MalformedTaskInputError' });
      await expect(fromWorker).rejects.toMatchObject({ name: 'MalformedTaskInputError', message: (mainError as Error).message });
    });
  });
});

describe('SandboxClock.fromAnchor', () => {
  it('rebuilds a clock that reads the same time at the same rate', () => {
    let real = 1_000_000;
    const clock = SandboxClock.unpersisted(60, () => real);
    real += 5_000;
    const copy = SandboxClock.fromAnchor(clock.anchorPoint, () => real);
    expect(copy.nowMs()).toBe(clock.nowMs());
    expect(copy.nowMs()).toBe(1_000_000 + 5_000 * 60);
    real += 1_000;
    expect(copy.nowMs()).toBe(clock.nowMs());
    expect(copy.scale).toBe(60);
  });
});
