export interface RateLimiterOptions {
  /** Requests allowed per second. */
  readonly perSecond: number;
  /**
   * Added to the interval between requests. Requests leave exactly `1000 / perSecond` ms apart but reach the
   * service with some jitter; a few milliseconds keep their arrivals within the limit too.
   * @default 0
   */
  readonly marginMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Spaces requests at least `1000 / perSecond` ms apart for everyone sharing the instance: callers take turns,
 * each waiting until the interval since the previous request has passed, so several page loops of one region
 * together stay within the limit. After a throttling error `backOff` pauses every caller that has not sent
 * yet — the whole account and region slows down, not only the request that was refused.
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private turn: Promise<void> = Promise.resolve();
  private lastSent = Number.NEGATIVE_INFINITY;
  private pausedUntil = Number.NEGATIVE_INFINITY;

  constructor(options: RateLimiterOptions) {
    if (!(options.perSecond > 0)) throw new RangeError(`perSecond must be positive. Received: ${options.perSecond}`);
    this.intervalMs = 1000 / options.perSecond + (options.marginMs ?? 0);
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
  }

  /** Resolves when the caller may send its request. */
  acquire(): Promise<void> {
    const mine = this.turn.then(async () => {
      // Re-checked after every sleep: a backOff may have come in meanwhile, and timers may fire early.
      for (let wait = this.waitMs(); wait > 0; wait = this.waitMs()) await this.sleep(wait);
      this.lastSent = this.now();
    });
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  /** Nobody sends for the next `ms`. */
  backOff(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  private waitMs(): number {
    return Math.max(this.lastSent + this.intervalMs, this.pausedUntil) - this.now();
  }
}
