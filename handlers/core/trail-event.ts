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

/**
 * The fields of a CloudTrail record a TrailEvent keeps when present. A record has the same shape in
 * LookupEvents' `CloudTrailEvent` and in a trail's log files.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 */
export interface CloudTrailRecordDetails {
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly sourceIPAddress?: string;
  readonly userAgent?: string;
  readonly userIdentity?: { readonly sessionContext?: { readonly sourceIdentity?: string } };
}

/** The optional details of a record as a TrailEvent holds them (absent fields stay absent). */
export function recordDetails(record: CloudTrailRecordDetails): Pick<TrailEvent, 'errorCode' | 'errorMessage' | 'sourceIdentity' | 'sourceIpAddress' | 'userAgent'> {
  const sourceIdentity = record.userIdentity?.sessionContext?.sourceIdentity;
  return {
    ...(record.errorCode ? { errorCode: record.errorCode } : {}),
    ...(record.errorMessage ? { errorMessage: record.errorMessage } : {}),
    ...(sourceIdentity ? { sourceIdentity } : {}),
    ...(record.sourceIPAddress ? { sourceIpAddress: record.sourceIPAddress } : {}),
    ...(record.userAgent ? { userAgent: record.userAgent } : {}),
  };
}
