/** One CloudTrail management event, reduced to what an audit report needs. */
export interface TrailEvent {
  readonly eventId: string;
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string;
  readonly readOnly?: boolean;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly sourceIdentity?: string;
  readonly resources: ReadonlyArray<{ readonly type?: string; readonly name?: string }>;
}

export interface TrailQuery {
  readonly region: string;
  readonly accessKeyId: string;
  readonly startTime: Date;
  readonly endTime: Date;
}

/**
 * CloudTrail of one target account, read through that account's audit role (BRIEF §3.9): events by
 * access key id, one region per query, every page.
 */
export interface Trail {
  lookupByAccessKey(query: TrailQuery): Promise<TrailEvent[]>;
}

/** Opens the trail of a target account. */
export type TrailFactory = (accountId: string) => Trail;
