import { CloudTrailClient, LookupEventsCommand, type Event as CloudTrailApiEvent, type LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { auditReaderRoleArn } from '../../core/resource-names';
import { type CloudTrailRecordDetails, recordDetails } from '../../core/trail-event';
import type { Trail, TrailEvent, TrailFactory, TrailLookup, TrailQuery } from '../../ports/trail';
import { RateLimiter, realSleep } from './rate-limiter';
import type { HttpHandler } from '@smithy/protocol-http';

/** LookupEvents allows 2 requests per second per account and region (docs/aws-facts.md). */
export const LOOKUP_EVENTS_PER_SECOND = 2;
/** Spacing added to the 500 ms between requests, so arrival jitter does not make a third in one second. */
export const LOOKUP_EVENTS_MARGIN_MS = 10;
/** LookupEvents returns at most 50 events a page. */
export const LOOKUP_EVENTS_PAGE_SIZE = 50;

interface CloudTrailRecord extends CloudTrailRecordDetails {
  awsRegion?: string;
  readOnly?: boolean;
  requestParameters?: Record<string, unknown> | null;
}

/** Request parameters that name what a call acted on, when CloudTrail lists no resources (most EC2 calls). */
const NAMING_PARAMETER = /(Name|Id|Arn|Ids)$/;
const MAX_PARAMETER_RESOURCES = 5;

function resourcesFromParameters(parameters: Record<string, unknown> | null | undefined): { name: string }[] {
  if (!parameters || typeof parameters !== 'object') return [];
  const names: { name: string }[] = [];
  for (const [key, value] of Object.entries(parameters)) {
    if (names.length >= MAX_PARAMETER_RESOURCES) break;
    if (!NAMING_PARAMETER.test(key)) continue;
    if (typeof value === 'string' && value.length > 0 && value.length <= 256) names.push({ name: value });
  }
  return names;
}

/** Reduces a LookupEvents result to a TrailEvent; the full record sits in `CloudTrailEvent` as JSON. */
export function toTrailEvent(event: CloudTrailApiEvent, queriedRegion: string, accessKeyId: string): TrailEvent {
  let record: CloudTrailRecord = {};
  try {
    record = JSON.parse(event.CloudTrailEvent ?? '{}') as CloudTrailRecord;
  } catch {
    // Keep what the summary fields say.
  }
  const readOnly = typeof record.readOnly === 'boolean' ? record.readOnly : event.ReadOnly === undefined ? undefined : event.ReadOnly === 'true';
  const listed = (event.Resources ?? []).map((r) => ({
    ...(r.ResourceType ? { type: r.ResourceType } : {}),
    ...(r.ResourceName ? { name: r.ResourceName } : {}),
  }));
  return {
    eventId: event.EventId ?? '',
    eventTime: (event.EventTime ?? new Date(0)).toISOString(),
    eventSource: event.EventSource ?? 'unknown',
    eventName: event.EventName ?? 'unknown',
    awsRegion: record.awsRegion ?? queriedRegion,
    accessKeyId: event.AccessKeyId ?? accessKeyId,
    ...(readOnly === undefined ? {} : { readOnly }),
    ...recordDetails(record),
    resources: listed.length > 0 ? listed : resourcesFromParameters(record.requestParameters),
  };
}

export interface RetryOptions {
  /** @default 8 */
  readonly maxAttempts?: number;
  /** @default 1000 */
  readonly baseDelayMs?: number;
  /** @default 20000 */
  readonly maxDelayMs?: number;
}

export interface CloudTrailTrailOptions {
  /** A CloudTrail client for a region, already holding the target account's audit credentials. */
  readonly clientFor: (region: string) => CloudTrailClient;
  /**
   * The rate limiter of a region. Share one per account and region between everything that reads it.
   * @default one limiter per region for this trail, at 2 requests/s (510 ms apart)
   */
  readonly limiterFor?: (region: string) => RateLimiter;
  readonly retry?: RetryOptions;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/**
 * One target account's CloudTrail: LookupEvents by access key, every page, at no more than 2 requests/s per
 * region however many lookups run at once, backing off on ThrottlingException and retrying transient faults.
 */
export class CloudTrailTrail implements Trail {
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: CloudTrailTrailOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.maxAttempts = options.retry?.maxAttempts ?? 8;
    this.baseDelayMs = options.retry?.baseDelayMs ?? 1000;
    this.maxDelayMs = options.retry?.maxDelayMs ?? 20_000;
  }

  async lookupByAccessKey(query: TrailQuery): Promise<TrailLookup> {
    const client = this.options.clientFor(query.region);
    const limiter = this.limiterFor(query.region);
    const events: TrailEvent[] = [];
    let pages = 0;
    let nextToken: string | undefined;
    do {
      if (query.stopAt !== undefined && this.now() >= query.stopAt) return { events, pages, complete: false };
      const page = await this.send(client, limiter, query, nextToken);
      pages += 1;
      for (const event of page.Events ?? []) events.push(toTrailEvent(event, query.region, query.accessKeyId));
      nextToken = page.NextToken;
    } while (nextToken);
    return { events, pages, complete: true };
  }

  private limiterFor(region: string): RateLimiter {
    if (this.options.limiterFor) return this.options.limiterFor(region);
    let limiter = this.limiters.get(region);
    if (!limiter) {
      limiter = new RateLimiter({ perSecond: LOOKUP_EVENTS_PER_SECOND, marginMs: LOOKUP_EVENTS_MARGIN_MS, now: this.now, sleep: this.sleep });
      this.limiters.set(region, limiter);
    }
    return limiter;
  }

  private async send(client: CloudTrailClient, limiter: RateLimiter, query: TrailQuery, nextToken: string | undefined): Promise<LookupEventsCommandOutput> {
    for (let attempt = 1; ; attempt++) {
      await limiter.acquire();
      try {
        return await client.send(
          new LookupEventsCommand({
            LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: query.accessKeyId }],
            StartTime: query.startTime,
            EndTime: query.endTime,
            MaxResults: LOOKUP_EVENTS_PAGE_SIZE,
            NextToken: nextToken,
          }),
        );
      } catch (error) {
        const sdkError = error as Parameters<typeof isThrottlingError>[0];
        const throttled = error instanceof Error && isThrottlingError(sdkError);
        const transient = error instanceof Error && !throttled && (isTransientError(sdkError) || isServerError(sdkError));
        if ((!throttled && !transient) || attempt >= this.maxAttempts) throw error;
        // Exponential backoff with jitter over the upper half, so a retry never fires at once.
        const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
        const delay = ceiling / 2 + (this.random() * ceiling) / 2;
        if (throttled) limiter.backOff(delay);
        else await this.sleep(delay);
      }
    }
  }
}

/** One limiter per account and region for the whole process: concurrent audits of one account share it. */
const processLimiters = new Map<string, RateLimiter>();

function sharedLimiter(accountId: string, region: string): RateLimiter {
  const key = `${accountId}/${region}`;
  let limiter = processLimiters.get(key);
  if (!limiter) {
    limiter = new RateLimiter({ perSecond: LOOKUP_EVENTS_PER_SECOND, marginMs: LOOKUP_EVENTS_MARGIN_MS });
    processLimiters.set(key, limiter);
  }
  return limiter;
}

/**
 * The credentials of a target account's `jit-audit-reader` role, assumed once and kept until they expire
 * (the SDK refreshes a provider's credentials before `expiration`); a refused AssumeRole is not cached.
 */
export function auditReaderCredentials(sts: STSClient, partition: string, accountId: string): () => Promise<AwsCredentialIdentity> {
  let cached: Promise<AwsCredentialIdentity> | undefined;
  return async (): Promise<AwsCredentialIdentity> => {
    cached ??= sts
      .send(
        new AssumeRoleCommand({
          RoleArn: auditReaderRoleArn(partition, accountId),
          RoleSessionName: 'jit-audit',
          DurationSeconds: 3600,
        }),
      )
      .then((r) => {
        const c = r.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`No audit credentials for account ${accountId}.`);
        return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
      })
      .catch((error: unknown) => {
        // A refused AssumeRole must not stick for the life of the container.
        cached = undefined;
        throw error;
      });
    return cached;
  };
}

/**
 * Opens a target account's trail through its `jit-audit-reader` role, so the audit reads the account's
 * own CloudTrail rather than anything the agent says about itself.
 */
export function cloudTrailTrailFactory(options: {
  sts: STSClient;
  partition: string;
  /** Where the CloudTrail clients send their calls instead of AWS's regional endpoints (the local sandbox). */
  endpoint?: string;
  /** What sends their signed requests (the local sandbox's direct transport). @default the SDK's HTTP handler */
  requestHandler?: HttpHandler;
}): TrailFactory {
  return (accountId) => {
    const credentials = auditReaderCredentials(options.sts, options.partition, accountId);
    const clients = new Map<string, CloudTrailClient>();
    return new CloudTrailTrail({
      clientFor: (region) => {
        let client = clients.get(region);
        if (!client) {
          // The trail retries with its own backoff, in step with the rate limiter.
          client = new CloudTrailClient({
            region,
            credentials,
            maxAttempts: 1,
            ...(options.endpoint ? { endpoint: options.endpoint } : {}),
            ...(options.requestHandler ? { requestHandler: options.requestHandler } : {}),
          });
          clients.set(region, client);
        }
        return client;
      },
      limiterFor: (region) => sharedLimiter(accountId, region),
    });
  };
}
