import { CloudTrailClient, LookupEventsCommand, type Event as CloudTrailApiEvent } from '@aws-sdk/client-cloudtrail';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { auditReaderRoleArn } from '../../core/broker-settings';
import type { Trail, TrailEvent, TrailFactory, TrailQuery } from '../../ports/trail';

/** LookupEvents allows 2 requests per second per account and region (BRIEF §4). */
export const LOOKUP_EVENTS_MIN_INTERVAL_MS = 500;

interface CloudTrailRecord {
  awsRegion?: string;
  readOnly?: boolean;
  errorCode?: string;
  errorMessage?: string;
  userIdentity?: { sessionContext?: { sourceIdentity?: string } };
}

/** Reduces a LookupEvents result to a TrailEvent; the full record sits in `CloudTrailEvent` as JSON. */
export function toTrailEvent(event: CloudTrailApiEvent, queriedRegion: string): TrailEvent {
  let record: CloudTrailRecord = {};
  try {
    record = JSON.parse(event.CloudTrailEvent ?? '{}') as CloudTrailRecord;
  } catch {
    // Keep what the summary fields say.
  }
  const readOnly = record.readOnly ?? (event.ReadOnly === undefined ? undefined : event.ReadOnly === 'true');
  return {
    eventId: event.EventId ?? '',
    eventTime: (event.EventTime ?? new Date(0)).toISOString(),
    eventSource: event.EventSource ?? 'unknown',
    eventName: event.EventName ?? 'unknown',
    awsRegion: record.awsRegion ?? queriedRegion,
    ...(readOnly === undefined ? {} : { readOnly }),
    ...(record.errorCode ? { errorCode: record.errorCode } : {}),
    ...(record.errorMessage ? { errorMessage: record.errorMessage } : {}),
    ...(record.userIdentity?.sessionContext?.sourceIdentity
      ? { sourceIdentity: record.userIdentity.sessionContext.sourceIdentity }
      : {}),
    resources: (event.Resources ?? []).map((r) => ({
      ...(r.ResourceType ? { type: r.ResourceType } : {}),
      ...(r.ResourceName ? { name: r.ResourceName } : {}),
    })),
  };
}

export interface CloudTrailTrailOptions {
  /** A CloudTrail client for a region, already holding the target account's audit credentials. */
  readonly clientFor: (region: string) => CloudTrailClient;
  readonly minIntervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One target account's CloudTrail, paged at no more than 2 requests/s per region. */
export class CloudTrailTrail implements Trail {
  private readonly minIntervalMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: CloudTrailTrailOptions) {
    this.minIntervalMs = options.minIntervalMs ?? LOOKUP_EVENTS_MIN_INTERVAL_MS;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async lookupByAccessKey(query: TrailQuery): Promise<TrailEvent[]> {
    const client = this.options.clientFor(query.region);
    const events: TrailEvent[] = [];
    let nextToken: string | undefined;
    let first = true;
    do {
      if (!first) await this.sleep(this.minIntervalMs);
      first = false;
      const page = await client.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: query.accessKeyId }],
          StartTime: query.startTime,
          EndTime: query.endTime,
          MaxResults: 50,
          NextToken: nextToken,
        }),
      );
      for (const event of page.Events ?? []) events.push(toTrailEvent(event, query.region));
      nextToken = page.NextToken;
    } while (nextToken);
    return events;
  }
}

/**
 * Opens a target account's trail through its `jit-audit-reader` role, so the audit reads the account's
 * own CloudTrail rather than anything the agent says about itself.
 */
export function cloudTrailTrailFactory(options: { sts: STSClient; partition: string }): TrailFactory {
  return (accountId) => {
    let cached: Promise<AwsCredentialIdentity> | undefined;
    const credentials = async (): Promise<AwsCredentialIdentity> => {
      cached ??= options.sts
        .send(
          new AssumeRoleCommand({
            RoleArn: auditReaderRoleArn(options.partition, accountId),
            RoleSessionName: 'jit-audit',
            DurationSeconds: 3600,
          }),
        )
        .then((r) => {
          const c = r.Credentials;
          if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`No audit credentials for account ${accountId}.`);
          return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
        });
      return cached;
    };
    const clients = new Map<string, CloudTrailClient>();
    return new CloudTrailTrail({
      clientFor: (region) => {
        let client = clients.get(region);
        if (!client) {
          client = new CloudTrailClient({ region, credentials });
          clients.set(region, client);
        }
        return client;
      },
    });
  };
}
