/**
 * Virtual time for code that takes `now` and `sleep`: sleeping jumps the clock to the wake-up time at once,
 * so rate limits and backoff run without real waiting and timestamps stay exact.
 */
export class FakeTime {
  private ms: number;
  readonly sleeps: number[] = [];

  constructor(start = Date.parse('2026-11-28T10:00:00Z')) {
    this.ms = start;
  }

  readonly now = (): number => this.ms;

  readonly date = (): Date => new Date(this.ms);

  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    const wake = this.ms + ms;
    // Let other sleepers that wake earlier run first.
    await new Promise((resolve) => setImmediate(resolve));
    this.ms = Math.max(this.ms, wake);
  };
}
