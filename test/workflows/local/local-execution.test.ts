import { performance } from 'node:perf_hooks';
import { runLocalExecution } from '../../../workflows/local/local-execution';
import type { AslDefinition } from '../../../workflows/local/asl-definition';
import { LocalTaskTokens } from '../../../workflows/local/task-tokens';
import { VirtualClock } from '../../../workflows/local/virtual-clock';

/** A definition with a few states, so that validating it is real work; `marker` makes each one distinct. */
function definition(marker: string): AslDefinition {
  return {
    StartAt: 'First',
    States: {
      First: { Type: 'Pass', Result: { marker }, ResultPath: '$.first', Next: 'Choose' },
      Choose: { Type: 'Choice', Choices: [{ Variable: '$.first.marker', StringEquals: marker, Next: 'Done' }], Default: 'Failed' },
      Failed: { Type: 'Fail', Error: 'Unexpected', Cause: 'the marker did not match' },
      Done: { Type: 'Succeed' },
    },
  } as unknown as AslDefinition;
}

function run(def: AslDefinition) {
  return runLocalExecution({ in: 1 }, { definition: def, functions: new Map(), tokens: new LocalTaskTokens() });
}

describe('Function: runLocalExecution', () => {
  it('validates a definition once, not on every execution of it (the sandbox starts one execution per request)', async () => {
    // Prepare: the engine's modules and JIT warm, on another definition.
    await run(definition('warm-up'));
    const def = definition('measured');

    // Act: the first execution of the definition (validated), then twenty more of the same one.
    let started = performance.now();
    expect((await run(def)).status).toBe('SUCCEEDED');
    const first = performance.now() - started;
    started = performance.now();
    for (let i = 0; i < 20; i += 1) expect((await run(def)).status).toBe('SUCCEEDED');
    const twenty = performance.now() - started;

    // Assess: twenty executions cost less than three first ones: only the first compiled the validator.
    // (Validating every time costs about twenty first ones.)
    expect(twenty).toBeLessThan(3 * first);
  }, 60_000);

  it('rejects an invalid definition on every execution, not only the first', async () => {
    // Prepare: a state that names a next state the definition does not have.
    const invalid = { StartAt: 'Only', States: { Only: { Type: 'Pass', Next: 'Missing' } } } as unknown as AslDefinition;

    // Act + Assess: refused both times, with the validator's message.
    await expect(run(invalid)).rejects.toThrow(/State machine definition is invalid/);
    await expect(run(invalid)).rejects.toThrow(/State machine definition is invalid/);
  });

  it.each([['2026-11-28 10:10:00Z'], ['2026-11-28t10:10:00z'], ['2026-11-28'], ['1796279587000']])(
    "refuses a Wait state's timestamp Step Functions would refuse (%s); takes RFC 3339 with an uppercase T and Z",
    async (timestamp) => {
      // Prepare: a Wait on a timestamp from the input, run on a virtual clock (the Wait becomes a timed task).
      const waits = { StartAt: 'Wait', States: { Wait: { Type: 'Wait', TimestampPath: '$.at', End: true } } } as unknown as AslDefinition;
      const clock = new VirtualClock();
      const go = (at: string) => runLocalExecution({ at }, { definition: waits, functions: new Map(), tokens: new LocalTaskTokens(), clock });

      // Act
      const refused = await go(timestamp);
      const taken = await go(new Date(clock.now().getTime() + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'));

      // Assess
      expect(refused.status).toBe('FAILED');
      expect(taken.status).toBe('SUCCEEDED');
    },
  );

  it('leaves no timer running once a stopped execution has ended, even when its task never answered', async () => {
    // Prepare: an execution timeout and a task whose code never finishes (a decision that never comes).
    const fn = 'arn:aws:lambda:eu-west-1:111111111111:function:hangs';
    const hanging = {
      StartAt: 'Hang',
      TimeoutSeconds: 3600,
      // Retried on any error, as a task whose Lambda died is: a stop must not start its code again.
      States: { Hang: { Type: 'Task', Resource: fn, TimeoutSeconds: 3600, Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 3 }], End: true } },
    } as unknown as AslDefinition;
    let called!: () => void;
    const entered = new Promise<void>((resolve) => (called = resolve));
    let runs = 0;
    const functions = new Map([[fn, () => { runs += 1; called(); return new Promise<never>(() => undefined); }]]);
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const stop = new AbortController();

    // Act: stop the execution while its task runs.
    const result = runLocalExecution({}, { definition: hanging, functions, tokens: new LocalTaskTokens(), signal: stop.signal });
    await entered;
    expect(timers()).toBeGreaterThan(before);
    stop.abort();
    const ended = await result;
    await new Promise((resolve) => setImmediate(resolve));

    // Assess: it ended FAILED, its code ran once, and neither the task's nor the execution's timeout timer
    // is left behind.
    expect(ended.status).toBe('FAILED');
    expect(runs).toBe(1);
    expect(timers()).toBe(before);
  });
});
