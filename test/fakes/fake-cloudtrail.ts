import type { Event as CloudTrailApiEvent, LookupEventsCommandInput, LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';

export interface TrailEventSpec {
  readonly id: string;
  readonly name: string;
  /** e.g. `ecs.amazonaws.com` */
  readonly source: string;
  readonly time: Date;
  readonly region?: string;
  readonly readOnly?: boolean;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly resources?: ReadonlyArray<{ type?: string; name: string }>;
  readonly requestParameters?: Record<string, unknown>;
}

/** A LookupEvents result entry as CloudTrail returns it, with the full record in `CloudTrailEvent`. */
export function cloudTrailEvent(accessKeyId: string, spec: TrailEventSpec): CloudTrailApiEvent {
  const region = spec.region ?? 'eu-west-1';
  return {
    EventId: spec.id,
    EventName: spec.name,
    EventSource: spec.source,
    EventTime: spec.time,
    AccessKeyId: accessKeyId,
    ReadOnly: spec.readOnly === undefined ? undefined : String(spec.readOnly),
    Resources: spec.resources?.map((r) => ({ ResourceType: r.type, ResourceName: r.name })),
    CloudTrailEvent: JSON.stringify({
      eventVersion: '1.09',
      eventID: spec.id,
      eventName: spec.name,
      eventSource: spec.source,
      eventTime: spec.time.toISOString(),
      awsRegion: region,
      ...(spec.readOnly === undefined ? {} : { readOnly: spec.readOnly }),
      ...(spec.errorCode ? { errorCode: spec.errorCode } : {}),
      ...(spec.errorMessage ? { errorMessage: spec.errorMessage } : {}),
      sourceIPAddress: '203.0.113.7',
      userAgent: 'aws-cli/2.15.0',
      userIdentity: { type: 'AssumedRole', accessKeyId, sessionContext: { sourceIdentity: 'jit-test' } },
      requestParameters: spec.requestParameters ?? null,
    }),
  };
}

interface Recorded {
  readonly accessKeyId: string;
  readonly region: string;
  readonly event: CloudTrailApiEvent;
  /** CloudTrail makes the event visible to LookupEvents from this moment on. */
  readonly deliveredAt: Date;
}

export interface LookupRequest {
  readonly region: string;
  /** When the request reached the fake, by the fake's clock. */
  readonly at: number;
  readonly input: LookupEventsCommandInput;
}

/**
 * CloudTrail's LookupEvents as the audit sees it: per region, by access key, newest first, 50 a page with
 * NextToken, only events delivered by now (so a test can make events arrive late), only inside
 * StartTime..EndTime, and throttling on demand.
 */
export class FakeCloudTrail {
  readonly requests: LookupRequest[] = [];
  private readonly recorded: Recorded[] = [];
  private throttles = 0;

  constructor(private readonly now: () => Date) {}

  /** Records a call made with `accessKeyId`; it becomes visible at `deliveredAt` (default: at once). */
  record(accessKeyId: string, spec: TrailEventSpec, deliveredAt?: Date): void {
    const region = spec.region ?? 'eu-west-1';
    this.recorded.push({ accessKeyId, region, event: cloudTrailEvent(accessKeyId, spec), deliveredAt: deliveredAt ?? new Date(0) });
  }

  /** The next `count` LookupEvents requests fail with ThrottlingException. */
  throttleNext(count: number): void {
    this.throttles += count;
  }

  lookup(region: string, input: LookupEventsCommandInput): LookupEventsCommandOutput {
    const now = this.now();
    this.requests.push({ region, at: now.getTime(), input });
    if (this.throttles > 0) {
      this.throttles -= 1;
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    }
    const attribute = input.LookupAttributes?.[0];
    if (input.LookupAttributes?.length !== 1 || attribute?.AttributeKey !== 'AccessKeyId') {
      throw Object.assign(new Error('Exactly one lookup attribute is supported'), { name: 'InvalidLookupAttributesException' });
    }
    const pageSize = input.MaxResults ?? 50;
    if (pageSize > 50) throw Object.assign(new Error('MaxResults must be at most 50'), { name: 'InvalidMaxResultsException' });
    const start = input.StartTime?.getTime() ?? 0;
    const end = input.EndTime?.getTime() ?? Number.MAX_SAFE_INTEGER;
    const matching = this.recorded
      .filter((r) => r.region === region && r.accessKeyId === attribute.AttributeValue && r.deliveredAt <= now)
      .map((r) => r.event)
      .filter((e) => (e.EventTime?.getTime() ?? 0) >= start && (e.EventTime?.getTime() ?? 0) <= end)
      .sort((a, b) => (b.EventTime?.getTime() ?? 0) - (a.EventTime?.getTime() ?? 0));
    const offset = input.NextToken ? Number(Buffer.from(input.NextToken, 'base64url').toString()) : 0;
    const page = matching.slice(offset, offset + pageSize);
    const next = offset + pageSize < matching.length ? Buffer.from(String(offset + pageSize)).toString('base64url') : undefined;
    return { Events: page, ...(next ? { NextToken: next } : {}), $metadata: {} };
  }
}
