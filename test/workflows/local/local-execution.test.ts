import { performance } from 'node:perf_hooks';
import { runLocalExecution } from '../../../workflows/local/local-execution';
import type { AslDefinition } from '../../../workflows/local/asl-definition';
import { LocalTaskTokens } from '../../../workflows/local/task-tokens';

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
});
