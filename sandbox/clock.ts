import { join } from 'node:path';
import { readJson, writeJsonAtomic } from './store/json-file';

/** setTimeout takes at most 2^31-1 ms; longer sleeps go in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/** Where a clock was set: with it, another thread rebuilds the same clock (`SandboxClock.fromAnchor`). */
export interface ClockAnchor {
  /** Real time (ms since the epoch) at the anchor. */
  readonly realMs: number;
  /** Sandbox time at the anchor. */
  readonly sandboxMs: number;
  readonly scale: number;
}

/**
 * The sandbox's time: real time by default, or `scale` times faster (`--time-scale N`) so that a 15-minute
 * grant ends in 15/N real minutes. Every handler, the time fence, the approval window and the schedules
 * read it. The anchor is kept in `$JIT_HOME/clock.json`: time keeps passing (at the old rate) while the
 * sandbox is stopped, so after a restart a grant that should have ended has ended, and a new
 * `--time-scale` only changes the rate from now on.
 */
export class SandboxClock {
  private readonly anchor: ClockAnchor;

  private constructor(
    anchor: ClockAnchor,
    private readonly realNow: () => number,
  ) {
    this.anchor = anchor;
  }

  /** A clock at real time and rate `scale`, not persisted (tests, the demo's own timing). */
  static unpersisted(scale = 1, realNow: () => number = Date.now): SandboxClock {
    return new SandboxClock({ realMs: realNow(), sandboxMs: realNow(), scale }, realNow);
  }

  /**
   * The clock `anchor` was taken from, for another thread of this process (the function workers,
   * sandbox/engine/function-workers.ts): real time is the same there, so it reads the same time.
   */
  static fromAnchor(anchor: ClockAnchor, realNow: () => number = Date.now): SandboxClock {
    return new SandboxClock({ realMs: anchor.realMs, sandboxMs: anchor.sandboxMs, scale: anchor.scale }, realNow);
  }

  /** Continues the clock saved in `home`, at the new rate from now on. */
  static persisted(home: string, scale: number, realNow: () => number = Date.now): SandboxClock {
    if (!(scale >= 1 && scale <= 10_000)) throw new RangeError(`--time-scale must be between 1 and 10000. Received: ${scale}`);
    const file = join(home, 'clock.json');
    const saved = readJson<ClockAnchor | undefined>(file, undefined);
    const real = realNow();
    const sandboxMs = saved ? saved.sandboxMs + (real - saved.realMs) * saved.scale : real;
    // Time never runs backwards, not even when the machine's clock was set back while the sandbox was down.
    const anchor = { realMs: real, sandboxMs: Math.max(sandboxMs, saved?.sandboxMs ?? 0), scale };
    writeJsonAtomic(file, anchor);
    return new SandboxClock(anchor, realNow);
  }

  /** Where this clock was set (plain data, to rebuild it elsewhere with `fromAnchor`). */
  get anchorPoint(): ClockAnchor {
    return { ...this.anchor };
  }

  get scale(): number {
    return this.anchor.scale;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  nowMs(): number {
    return Math.floor(this.anchor.sandboxMs + (this.realNow() - this.anchor.realMs) * this.anchor.scale);
  }

  /** Real milliseconds until sandbox time `at`; 0 when it has passed. */
  realMsUntil(at: Date | number): number {
    const target = typeof at === 'number' ? at : at.getTime();
    return Math.max(0, Math.ceil((target - this.nowMs()) / this.anchor.scale));
  }

  /** Resolves once sandbox time reaches `at`, or at once when `signal` aborts. */
  sleepUntil(at: Date | number, signal?: AbortSignal): Promise<void> {
    const target = typeof at === 'number' ? at : at.getTime();
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
      const step = () => {
        const wait = this.realMsUntil(target);
        if (wait <= 0) {
          signal?.removeEventListener('abort', onAbort);
          return resolve();
        }
        timer = setTimeout(step, Math.min(wait, MAX_TIMER_MS));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      step();
    });
  }
}
