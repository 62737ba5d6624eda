/** One CloudTrail management event, reduced to what an audit report needs. */
export interface TrailEvent {
  readonly eventId: string;
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string;
  /** The access key the event was looked up by: which of a request's credentials made the call. */
  readonly accessKeyId: string;
  readonly readOnly?: boolean;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly sourceIdentity?: string;
  readonly sourceIpAddress?: string;
  readonly userAgent?: string;
  readonly resources: ReadonlyArray<{ readonly type?: string; readonly name?: string }>;
}

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
