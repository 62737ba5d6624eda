import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type { DataEventTrailSetting } from '../../core/broker-settings';
import { dayListings, grantDataEvents, isLogFileKey, parseLogFile, sourceUri } from '../../core/data-event-trail';
import type { TrailEvent } from '../../core/trail-event';
import type { DataEventLog, DataEventLogFactory, DataEventQuery, DataEventRead } from '../../ports/data-event-log';
import { auditReaderCredentials } from './cloudtrail-trail';
import type { HttpHandler } from '@smithy/protocol-http';

const MAX_ERROR_TEXT = 300;

function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT - 1)}…` : text;
}

export interface S3DataEventLogOptions {
  /** An S3 client in the bucket's region, holding the target account's audit credentials. */
  readonly client: S3Client;
  readonly accountId: string;
  readonly trail: DataEventTrailSetting;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * The data events of a target account from its trail's log files in S3: for each day of the window,
 * `ListObjectsV2` on `<prefix>/AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/` (every page), then
 * `GetObject` of each log file, gunzipped, keeping the `Data` records of the grant's keys. The audit
 * reader's permissions cover exactly those folders (infra/target-account-stack.ts).
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
 */
export class S3DataEventLog implements DataEventLog {
  private readonly now: () => number;

  constructor(private readonly options: S3DataEventLogOptions) {
    this.now = options.now ?? Date.now;
  }

  async readDataEvents(query: DataEventQuery): Promise<DataEventRead> {
    const { client, accountId, trail } = this.options;
    const source = sourceUri(trail.bucket, trail.prefix, accountId, query.region);
    const keys = new Set(query.accessKeyIds);
    const events: TrailEvent[] = [];
    let objects = 0;
    const stopped = () => query.stopAt !== undefined && this.now() >= query.stopAt;
    const incomplete = (error: string): DataEventRead => ({ source, events, objects, complete: false, error });
    try {
      for (const day of dayListings(trail.prefix, accountId, query.region, query.startTime, query.endTime)) {
        let token: string | undefined;
        do {
          if (stopped()) return incomplete(`stopped after ${objects} log files to leave time for the report`);
          const page = await client.send(
            new ListObjectsV2Command({
              Bucket: trail.bucket,
              Prefix: day.prefix,
              ...(token ? { ContinuationToken: token } : day.startAfter ? { StartAfter: day.startAfter } : {}),
            }),
          );
          for (const object of page.Contents ?? []) {
            if (!object.Key || !isLogFileKey(object.Key)) continue;
            if (stopped()) return incomplete(`stopped after ${objects} log files to leave time for the report`);
            const got = await client.send(new GetObjectCommand({ Bucket: trail.bucket, Key: object.Key }));
            if (!got.Body) return incomplete(`${object.Key}: empty response body`);
            const bytes = await got.Body.transformToByteArray();
            let parsed: ReturnType<typeof parseLogFile>;
            try {
              parsed = parseLogFile(gunzipSync(bytes).toString('utf8'));
            } catch (error) {
              return incomplete(`${object.Key}: ${describeError(error)}`);
            }
            objects += 1;
            events.push(...grantDataEvents(parsed.records, keys, query.startTime, query.endTime));
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      }
    } catch (error) {
      return incomplete(describeError(error));
    }
    return { source, events, objects, complete: true };
  }
}

/**
 * Opens a target account's data-event trail through its `jit-audit-reader` role, with an S3 client in the
 * bucket's region.
 */
export function s3DataEventLogFactory(options: {
  sts: STSClient;
  partition: string;
  /** Where the S3 calls go instead of AWS's endpoints (the local sandbox). */
  endpoint?: string;
  /** What sends their signed requests (the local sandbox's direct transport). @default the SDK's HTTP handler */
  requestHandler?: HttpHandler;
}): DataEventLogFactory {
  const opened = new Map<string, S3DataEventLog>();
  return (accountId, trail) => {
    const id = `${accountId}/${trail.region}/${trail.bucket}/${trail.prefix ?? ''}`;
    let log = opened.get(id);
    if (!log) {
      const client = new S3Client({
        region: trail.region,
        credentials: auditReaderCredentials(options.sts, options.partition, accountId),
        ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
        ...(options.requestHandler ? { requestHandler: options.requestHandler } : {}),
      });
      log = new S3DataEventLog({ client, accountId, trail });
      opened.set(id, log);
    }
    return log;
  };
}
