import { AwsError } from './aws-error';

/**
 * The fields of a CloudTrail record that LookupEvents reads: a record as `CloudTrailEvent` holds it.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 */
export interface LookupableRecord {
  readonly eventID: string;
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string;
  readonly readOnly?: boolean;
  readonly userIdentity: Readonly<Record<string, unknown>>;
  readonly resources?: ReadonlyArray<{ readonly type?: string; readonly ARN?: string }>;
  /** `Management` or `Data`; LookupEvents never returns `Data` records. @default Management */
  readonly eventCategory?: string;
}

/**
 * Data-plane operations CloudTrail records as data events, not management events, for the services the
 * sandbox answers: S3 object-level calls, Lambda Invoke, DynamoDB item calls, SNS Publish. They are never in
 * the event history (LookupEvents), only in a trail or event data store configured for data events.
 *
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html#cloudtrail-data-events
 */
const DATA_EVENTS: Readonly<Record<string, ReadonlySet<string>>> = {
  's3.amazonaws.com': new Set([
    'GetObject', 'PutObject', 'DeleteObject', 'DeleteObjects', 'HeadObject', 'CopyObject', 'GetObjectAcl', 'PutObjectAcl',
    'GetObjectTagging', 'PutObjectTagging', 'DeleteObjectTagging', 'GetObjectAttributes', 'GetObjectRetention', 'PutObjectRetention',
    'GetObjectLegalHold', 'PutObjectLegalHold', 'RestoreObject', 'SelectObjectContent', 'CreateMultipartUpload', 'UploadPart',
    'UploadPartCopy', 'CompleteMultipartUpload', 'AbortMultipartUpload', 'ListParts',
  ]),
  'lambda.amazonaws.com': new Set(['Invoke', 'InvokeWithResponseStream']),
  'dynamodb.amazonaws.com': new Set([
    'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem', 'TransactGetItems', 'TransactWriteItems',
    'ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction',
  ]),
  'sns.amazonaws.com': new Set(['Publish', 'PublishBatch']),
};

/** Whether CloudTrail records this call as a data event (see DATA_EVENTS). */
export function isDataEvent(eventSource: string, eventName: string): boolean {
  return DATA_EVENTS[eventSource]?.has(eventName) ?? false;
}

export interface LookupAttribute {
  readonly AttributeKey?: string;
  readonly AttributeValue?: string;
}

/** A LookupEvents request, protocol-free: times are Dates, whatever the wire carried. */
export interface LookupQuery {
  readonly lookupAttributes?: readonly LookupAttribute[];
  readonly maxResults?: number;
  readonly startTime?: Date;
  readonly endTime?: Date;
  readonly nextToken?: string;
}

/** One entry of LookupEvents' `Events`, with the full record as the `CloudTrailEvent` JSON string. */
export interface LookupEvent {
  readonly EventId: string;
  readonly EventName: string;
  readonly ReadOnly?: string;
  readonly AccessKeyId?: string;
  readonly EventTime: Date;
  readonly EventSource: string;
  readonly Username?: string;
  readonly Resources: ReadonlyArray<{ readonly ResourceType?: string; readonly ResourceName?: string }>;
  readonly CloudTrailEvent: string;
}

export interface LookupPage {
  readonly events: LookupEvent[];
  readonly nextToken?: string;
}

/**
 * LookupEvents returns 1 to 50 events a page, 50 by default; a MaxResults outside 1..50 is refused with
 * InvalidMaxResultsException, not clamped.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
 */
export const LOOKUP_MAX_RESULTS = 50;

function usernameOf(record: LookupableRecord): string | undefined {
  const identity = record.userIdentity as { userName?: string; arn?: string };
  if (identity.userName) return identity.userName;
  const arn = identity.arn ?? '';
  return arn.includes(':assumed-role/') ? arn.slice(arn.lastIndexOf('/') + 1) : undefined;
}

/**
 * The lookup attributes CloudTrail accepts for management events, and how each reads a record.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupAttribute.html
 */
const ATTRIBUTES: Readonly<Record<string, (r: LookupableRecord) => string | undefined>> = {
  AccessKeyId: (r) => r.userIdentity.accessKeyId as string | undefined,
  EventId: (r) => r.eventID,
  EventName: (r) => r.eventName,
  EventSource: (r) => r.eventSource,
  ReadOnly: (r) => (r.readOnly === undefined ? undefined : String(r.readOnly)),
  Username: (r) => usernameOf(r),
  ResourceName: (r) => r.resources?.[0]?.ARN,
  ResourceType: (r) => r.resources?.[0]?.type,
};

/** The `Events` entry CloudTrail returns for `record`. */
export function lookupEventOf(record: LookupableRecord): LookupEvent {
  const accessKeyId = record.userIdentity.accessKeyId as string | undefined;
  const username = usernameOf(record);
  return {
    EventId: record.eventID,
    EventName: record.eventName,
    ...(record.readOnly === undefined ? {} : { ReadOnly: String(record.readOnly) }),
    ...(accessKeyId === undefined ? {} : { AccessKeyId: accessKeyId }),
    EventTime: new Date(record.eventTime),
    EventSource: record.eventSource,
    ...(username === undefined ? {} : { Username: username }),
    Resources: (record.resources ?? []).map((r) => ({ ResourceType: r.type, ResourceName: r.ARN })),
    CloudTrailEvent: JSON.stringify(record),
  };
}

function offsetOf(nextToken: string | undefined): number {
  if (nextToken === undefined) return 0;
  const decoded = Number(Buffer.from(nextToken, 'base64url').toString('utf8'));
  // @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html (InvalidNextTokenException)
  if (nextToken === '' || !Number.isInteger(decoded) || decoded < 0) throw new AwsError('InvalidNextTokenException', 'Invalid NextToken.');
  return decoded;
}

/**
 * CloudTrail LookupEvents over `records` (the events of one account and region that are visible now),
 * management events only (data events are skipped, as the event history never holds them): at most one lookup attribute, one of the documented keys; MaxResults 1..50; StartTime not after
 * EndTime; both inclusive; newest first; a NextToken to continue.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
 */
export function lookupEvents(records: readonly LookupableRecord[], query: LookupQuery): LookupPage {
  const attributes = query.lookupAttributes ?? [];
  if (attributes.length > 1) throw new AwsError('InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.');
  const attribute = attributes[0];
  const read = attribute ? ATTRIBUTES[attribute.AttributeKey ?? ''] : undefined;
  if (attribute && !read) throw new AwsError('InvalidLookupAttributesException', `Invalid attribute key: ${String(attribute.AttributeKey)}`);
  const maxResults = query.maxResults ?? LOOKUP_MAX_RESULTS;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > LOOKUP_MAX_RESULTS) {
    throw new AwsError('InvalidMaxResultsException', `MaxResults must be between 1 and ${LOOKUP_MAX_RESULTS}, got ${maxResults}.`);
  }
  const start = query.startTime?.getTime() ?? -Infinity;
  const end = query.endTime?.getTime() ?? Infinity;
  if (start > end) throw new AwsError('InvalidTimeRangeException', 'StartTime must be before EndTime.');
  const offset = offsetOf(query.nextToken);

  const matching = records
    // The event history holds management events only.
    .filter((r) => r.eventCategory !== 'Data')
    .filter((r) => {
      const t = Date.parse(r.eventTime);
      return t >= start && t <= end;
    })
    .filter((r) => !read || read(r) === attribute?.AttributeValue)
    // Stable: records of the same second keep their recorded order, reversed.
    .map((r, i) => ({ r, i, t: Date.parse(r.eventTime) }))
    .sort((a, b) => b.t - a.t || b.i - a.i)
    .map(({ r }) => r);
  const page = matching.slice(offset, offset + maxResults).map(lookupEventOf);
  const next = offset + maxResults < matching.length ? Buffer.from(String(offset + maxResults)).toString('base64url') : undefined;
  return { events: page, ...(next ? { nextToken: next } : {}) };
}
