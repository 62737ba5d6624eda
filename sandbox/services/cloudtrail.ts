import type { AwsCall } from '../http/aws-call';
import { AwsError } from '../http/aws-error';
import type { Authorizer } from '../iam/authorizer';
import { type JsonOperation, type ServiceEmulation, epochSeconds, handleJson, requiredString } from './service';
import { type LookupAttribute, lookupEvents } from '../models/cloudtrail';
import type { TrailStore } from './trail-store';

/** The name of the trail the sandbox reports in every account. */
export const SANDBOX_TRAIL_NAME = 'jit-sandbox-trail';

/**
 * CloudTrail's JSON protocol over the local trail of the caller's account, in the region of the call;
 * LookupEvents' rules are the model's (sandbox/models/cloudtrail.ts).
 */
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
    const seconds = (name: string) => (typeof input[name] === 'number' ? new Date((input[name] as number) * 1000) : undefined);
    const page = lookupEvents(
      this.trail.events(call.caller.accountId).filter((r) => r.awsRegion === call.region),
      {
        lookupAttributes: input.LookupAttributes as LookupAttribute[] | undefined,
        maxResults: input.MaxResults as number | undefined,
        startTime: seconds('StartTime'),
        endTime: seconds('EndTime'),
        nextToken: input.NextToken as string | undefined,
      },
    );
    return {
      Events: page.events.map((e) => ({ ...e, EventTime: epochSeconds(e.EventTime) })),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }
}
