/**
 * Time for local runs: real time plus an offset that Wait states advance instead of sleeping. A whole
 * elevation — approval, grant, expiry, CloudTrail lag and the audit's polls — then runs in seconds, and
 * every handler that reads this clock sees the times it would see in AWS.
 */
export class VirtualClock {
  private offsetMs = 0;

  constructor(private readonly realNow: () => number = Date.now) {}

  now(): Date {
    return new Date(this.realNow() + this.offsetMs);
  }

  /** Moves time forward; never backward. */
  advanceBy(ms: number): void {
    if (ms > 0) this.offsetMs += ms;
  }

  /** Moves time forward to `date`, if it lies ahead. */
  advanceTo(date: Date): void {
    this.advanceBy(date.getTime() - this.now().getTime());
  }
}
