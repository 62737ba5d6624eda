import type { AwsCall } from '../http/aws-call';
import { AwsError } from '../http/aws-error';
import type { Authorizer } from '../iam/authorizer';
import { type JsonOperation, type ServiceEmulation, epochSeconds, handleJson, requiredString } from './service';
import type { TrailRecord, TrailStore } from './trail-store';

/** The lookup attributes CloudTrail accepts, and how each reads a record. */
const ATTRIBUTES: Readonly<Record<string, (r: TrailRecord) => string | undefined>> = {
  AccessKeyId: (r) => r.userIdentity.accessKeyId as string | undefined,
  EventId: (r) => r.eventID,
  EventName: (r) => r.eventName,
  EventSource: (r) => r.eventSource,
  ReadOnly: (r) => String(r.readOnly),
  Username: (r) => usernameOf(r),
  ResourceName: (r) => r.resources?.[0]?.ARN,
  ResourceType: (r) => r.resources?.[0]?.type,
};

function usernameOf(r: TrailRecord): string | undefined {
  const identity = r.userIdentity as { userName?: string; sessionContext?: { sessionIssuer?: { userName?: string } }; arn?: string };
  if (identity.userName) return identity.userName;
  const arn = identity.arn ?? '';
  return arn.includes(':assumed-role/') ? arn.slice(arn.lastIndexOf('/') + 1) : undefined;
}

/** LookupEvents returns at most 50 events a page (BRIEF §4). */
const MAX_RESULTS = 50;

/**
 * CloudTrail LookupEvents over the local trail of the caller's account, in the region of the call, with
 * CloudTrail's rules: exactly one lookup attribute at most, newest first, at most 50 a page, a NextToken
 * to continue, and the full record as the `CloudTrailEvent` JSON string.
 */
/** The name of the trail the sandbox reports in every account. */
export const SANDBOX_TRAIL_NAME = 'jit-sandbox-trail';

export class CloudTrailEmulation implements ServiceEmulation {
  readonly signingNames = ['cloudtrail'];

  constructor(
    private readonly trail: TrailStore,
    private readonly authorizer: Authorizer,
    /** Where the sandbox's trail "lives": the hub region. */
    private readonly homeRegion = 'us-east-1',
  ) {}

  handle(call: AwsCall) {
    const operations: Record<string, JsonOperation> = {
      LookupEvents: (input) => this.lookupEvents(input, call),
      DescribeTrails: () => this.describeTrails(call),
      GetTrailStatus: (input) => this.getTrailStatus(input, call),
    };
    return handleJson(call, 'CloudTrail', '1.1', operations);
  }

  /** The one trail of the caller's account: the sandbox records every call of every region. */
  private trailOf(call: AwsCall) {
    const account = call.caller.accountId;
    return {
      Name: SANDBOX_TRAIL_NAME,
      TrailARN: `arn:aws:cloudtrail:${this.homeRegion}:${account}:trail/${SANDBOX_TRAIL_NAME}`,
      HomeRegion: this.homeRegion,
    };
  }

  /**
   * One multi-region trail per account, logging, that includes global service events: the sandbox's
   * local trail records every call it answers, whatever the region.
   * @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DescribeTrails.html
   */
  private describeTrails(call: AwsCall) {
    const trail = this.trailOf(call);
    this.authorizer.authorize(call, 'cloudtrail:DescribeTrails', '*');
    return {
      trailList: [
        {
          ...trail,
          S3BucketName: `jit-sandbox-trail-${call.caller.accountId}`,
          IncludeGlobalServiceEvents: true,
          IsMultiRegionTrail: true,
          LogFileValidationEnabled: true,
          HasCustomEventSelectors: false,
          HasInsightSelectors: false,
          IsOrganizationTrail: false,
        },
      ],
    };
  }

  /** @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html */
  private getTrailStatus(input: Record<string, unknown>, call: AwsCall) {
    const trail = this.trailOf(call);
    const name = requiredString(input, 'Name', 'InvalidTrailNameException');
    this.authorizer.authorize(call, 'cloudtrail:GetTrailStatus', trail.TrailARN);
    if (name !== trail.Name && name !== trail.TrailARN) throw new AwsError('TrailNotFoundException', `Unknown trail: ${name} for the user: ${call.caller.accountId}`, 400);
    return { IsLogging: true, StartLoggingTime: 0 };
  }

  private lookupEvents(input: Record<string, unknown>, call: AwsCall) {
    this.authorizer.authorize(call, 'cloudtrail:LookupEvents', '*');
    const attributes = (input.LookupAttributes as Array<{ AttributeKey?: string; AttributeValue?: string }> | undefined) ?? [];
    if (attributes.length > 1) throw new AwsError('InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.', 400);
    const attribute = attributes[0];
    const read = attribute ? ATTRIBUTES[attribute.AttributeKey ?? ''] : undefined;
    if (attribute && !read) throw new AwsError('InvalidLookupAttributesException', `Invalid attribute key: ${attribute.AttributeKey}`, 400);
    const maxResults = Math.min(typeof input.MaxResults === 'number' ? input.MaxResults : MAX_RESULTS, MAX_RESULTS);
    if (maxResults < 1) throw new AwsError('InvalidMaxResultsException', 'MaxResults must be between 1 and 50.', 400);
    const start = typeof input.StartTime === 'number' ? input.StartTime * 1000 : -Infinity;
    const end = typeof input.EndTime === 'number' ? input.EndTime * 1000 : Infinity;
    if (start > end) throw new AwsError('InvalidTimeRangeException', 'StartTime must be before EndTime.', 400);

    const matching = this.trail
      .events(call.caller.accountId)
      .filter((r) => r.awsRegion === call.region)
      .filter((r) => {
        const t = Date.parse(r.eventTime);
        return t >= start && t <= end;
      })
      .filter((r) => !read || !attribute || read(r) === attribute.AttributeValue)
      .reverse();
    let offset = 0;
    if (typeof input.NextToken === 'string') {
      const decoded = Number(Buffer.from(input.NextToken, 'base64url').toString('utf8'));
      if (!Number.isInteger(decoded) || decoded < 0) throw new AwsError('InvalidNextTokenException', 'Invalid NextToken.', 400);
      offset = decoded;
    }
    const page = matching.slice(offset, offset + maxResults);
    const next = offset + maxResults < matching.length ? Buffer.from(String(offset + maxResults)).toString('base64url') : undefined;
    return {
      Events: page.map((r) => ({
        EventId: r.eventID,
        EventName: r.eventName,
        ReadOnly: String(r.readOnly),
        AccessKeyId: r.userIdentity.accessKeyId,
        EventTime: epochSeconds(r.eventTime),
        EventSource: r.eventSource,
        Username: usernameOf(r),
        Resources: (r.resources ?? []).map((res) => ({ ResourceType: res.type, ResourceName: res.ARN })),
        CloudTrailEvent: JSON.stringify(r),
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }
}
