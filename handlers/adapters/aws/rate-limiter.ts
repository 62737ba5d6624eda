export interface RateLimiterOptions {
  /** Requests allowed per second. */
  readonly perSecond: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Spaces requests at least `1000 / perSecond` ms apart for everyone sharing the instance: concurrent callers
 * each reserve the next free slot, so several page loops of one region together stay within the limit.
 * After a throttling error `backOff` pushes every later slot out, so the whole account and region slows
 * down, not only the request that was refused.
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private nextSlot = 0;

  constructor(options: RateLimiterOptions) {
    if (!(options.perSecond > 0)) throw new RangeError(`perSecond must be positive. Received: ${options.perSecond}`);
    this.intervalMs = 1000 / options.perSecond;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
  }

  /** Resolves when the caller may send its request. */
  async acquire(): Promise<void> {
    const slot = Math.max(this.now(), this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    // Timers may fire a millisecond early; never send before the slot.
    for (let wait = slot - this.now(); wait > 0; wait = slot - this.now()) await this.sleep(wait);
  }

  /** No slot starts earlier than `ms` from now. */
  backOff(ms: number): void {
    this.nextSlot = Math.max(this.nextSlot, this.now() + ms);
  }
}
