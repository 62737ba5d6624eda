/** One CloudTrail event (management, from LookupEvents, or data, from the trail's log files), reduced to what an audit report needs. */
export interface TrailEvent {
  readonly eventId: string;
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string;
  /** The access key the event was looked up by: which of a request's credentials made the call. */
  readonly accessKeyId: string;
  /** Where it was read: LookupEvents (management, the default) or a trail's log files (data). */
  readonly category?: 'management' | 'data';
  readonly readOnly?: boolean;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly sourceIdentity?: string;
  readonly sourceIpAddress?: string;
  readonly userAgent?: string;
  readonly resources: ReadonlyArray<{ readonly type?: string; readonly name?: string }>;
}
