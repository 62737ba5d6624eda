import type { TrailEvent } from '../core/trail-event';

export type { TrailEvent };

export interface TrailQuery {
  readonly region: string;
  readonly accessKeyId: string;
  readonly startTime: Date;
  readonly endTime: Date;
  /**
   * Wall-clock time (epoch milliseconds) after which no further page is requested; the lookup then returns
   * what it has with `complete: false`. Lets a Lambda stop reading in time to still write a report.
   */
  readonly stopAt?: number;
}

export interface TrailLookup {
  readonly events: TrailEvent[];
  readonly pages: number;
  /** False when the lookup stopped at `stopAt` before the last page. */
  readonly complete: boolean;
}

/**
 * CloudTrail of one target account, read through that account's audit role (invariant 9, docs/security-invariants.md): events by
 * access key id, one region per query, every page, within the LookupEvents rate limit.
 */
export interface Trail {
  lookupByAccessKey(query: TrailQuery): Promise<TrailLookup>;
}

/** Opens the trail of a target account. */
export type TrailFactory = (accountId: string) => Trail;
