import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { systemClock } from '../handlers/adapters/system/system-clock';
import type { Clock } from '../handlers/ports/clock';

/** `$JIT_HOME/clock.json`, as the sandbox writes it (sandbox/clock.ts): its time at a real instant, and its rate. */
const anchorSchema = z.object({ realMs: z.number().finite(), sandboxMs: z.number().finite(), scale: z.number().min(1).max(10_000) });

/**
 * The sandbox's time, read from its clock file on every call, so it follows restarts and a new
 * `--time-scale` (the sandbox rewrites the anchor when it starts). Without a readable file it is real time.
 */
export function sandboxClock(file: string, realNow: () => number = Date.now): Clock {
  return {
    now: () => {
      let anchor: z.infer<typeof anchorSchema>;
      try {
        anchor = anchorSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      } catch {
        return new Date(realNow());
      }
      return new Date(Math.floor(anchor.sandboxMs + (realNow() - anchor.realMs) * anchor.scale));
    },
  };
}

/**
 * The clock of `jit`: real time, or against the local sandbox (its env files set `JIT_SANDBOX_CLOCK` to
 * its clock file) the sandbox's time, as a machine keeps its clock in step with AWS's. Everything jit
 * dates then agrees with the broker: whether a grant is still valid, how long a cached grant is kept,
 * the signing time of `jit end`/`jit revoke` identity proofs, a terminal decision's `decidedAt`.
 */
export function cliClock(env: NodeJS.ProcessEnv = process.env): Clock {
  return env.JIT_SANDBOX_CLOCK ? sandboxClock(env.JIT_SANDBOX_CLOCK) : systemClock;
}
