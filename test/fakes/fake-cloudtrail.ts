import * as CloudTrail from '@aws-sdk/client-cloudtrail';
import type { Event as CloudTrailApiEvent, LookupEventsCommandInput, LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import { type LookupEvent, type LookupableRecord, lookupEventOf, lookupEvents } from '../../sandbox/models/cloudtrail';
import { asSdkCall } from './sdk-error';

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

/** The CloudTrail record of a call made with `accessKeyId`, as `CloudTrailEvent` holds it. */
function recordOf(accessKeyId: string, spec: TrailEventSpec): LookupableRecord & Record<string, unknown> {
  return {
    eventVersion: '1.09',
    eventID: spec.id,
    eventName: spec.name,
    eventSource: spec.source,
    eventTime: spec.time.toISOString(),
    awsRegion: spec.region ?? 'eu-west-1',
    ...(spec.readOnly === undefined ? {} : { readOnly: spec.readOnly }),
    ...(spec.errorCode ? { errorCode: spec.errorCode } : {}),
    ...(spec.errorMessage ? { errorMessage: spec.errorMessage } : {}),
    sourceIPAddress: '203.0.113.7',
    userAgent: 'aws-cli/2.15.0',
    userIdentity: { type: 'AssumedRole', accessKeyId, sessionContext: { sourceIdentity: 'jit-test' } },
    requestParameters: spec.requestParameters ?? null,
    ...(spec.resources ? { resources: spec.resources.map((r) => ({ ...(r.type ? { type: r.type } : {}), ARN: r.name })) } : {}),
  };
}

/** A LookupEvents result entry as CloudTrail returns it, with the full record in `CloudTrailEvent`. */
export function cloudTrailEvent(accessKeyId: string, spec: TrailEventSpec): CloudTrailApiEvent {
  return toSdkEvent(lookupEventOf(recordOf(accessKeyId, spec)));
}

function toSdkEvent(event: LookupEvent): CloudTrailApiEvent {
  return { ...event, Resources: event.Resources.map((r) => ({ ...r })) };
}

interface Recorded {
  readonly record: LookupableRecord;
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
 * CloudTrail's LookupEvents for aws-sdk-client-mock: per region, only events delivered by now (so a test
 * can make events arrive late), and throttling on demand; the lookup itself (attributes, MaxResults,
 * time range, order, paging) is the model's (sandbox/models/cloudtrail.ts).
 */
export class FakeCloudTrail {
  readonly requests: LookupRequest[] = [];
  private readonly recorded: Recorded[] = [];
  private throttles = 0;

  constructor(private readonly now: () => Date) {}

  /** Records a call made with `accessKeyId`; it becomes visible at `deliveredAt` (default: at once). */
  record(accessKeyId: string, spec: TrailEventSpec, deliveredAt?: Date): void {
    this.recorded.push({ record: recordOf(accessKeyId, spec), deliveredAt: deliveredAt ?? new Date(0) });
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
    const visible = this.recorded.filter((r) => r.record.awsRegion === region && r.deliveredAt <= now).map((r) => r.record);
    const page = asSdkCall(() =>
      lookupEvents(visible, {
        lookupAttributes: input.LookupAttributes,
        maxResults: input.MaxResults,
        startTime: input.StartTime,
        endTime: input.EndTime,
        nextToken: input.NextToken,
      }),
      CloudTrail,
    );
    return { Events: page.events.map(toSdkEvent), ...(page.nextToken ? { NextToken: page.nextToken } : {}), $metadata: {} };
  }
}
