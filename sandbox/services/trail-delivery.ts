import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { deliveryStamp, regionFolder } from '../../handlers/core/data-event-trail';
import type { TrailRecord } from './trail-store';

/** A trail of one target account that logs data events to S3 (config `accounts[].dataEventTrail`). */
export interface DeliveredTrail {
  readonly accountId: string;
  readonly bucket: string;
  readonly prefix?: string;
}

/** Where the trail writes: the sandbox's S3 (a bucket it holds), as CloudTrail's service principal would. */
export interface TrailBucketWriter {
  deliver(bucket: string, key: string, data: Buffer, contentType: string): void;
}

const UNIQUE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The 16-character unique part of a log file name (it has no meaning; readers ignore it). */
function uniqueString(): string {
  return [...randomBytes(16)].map((b) => UNIQUE_ALPHABET[b % UNIQUE_ALPHABET.length]).join('');
}

/**
 * The key of a log file delivered at `at`: `<prefix>/AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/`
 * `<account>_CloudTrail_<region>_<yyyymmdd>T<hhmm>Z_<unique>.json.gz`.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html
 */
export function logFileKey(trail: DeliveredTrail, region: string, at: Date): string {
  const day = `${at.getUTCFullYear()}/${String(at.getUTCMonth() + 1).padStart(2, '0')}/${String(at.getUTCDate()).padStart(2, '0')}/`;
  return `${regionFolder(trail.prefix, trail.accountId, region)}${day}${trail.accountId}_CloudTrail_${region}_${deliveryStamp(at)}_${uniqueString()}.json.gz`;
}

/**
 * The sandbox's trails of data events: each data event recorded in a target account with a configured
 * `dataEventTrail` is written to that trail's bucket as a gzip log file (`{"Records":[...]}`) in CloudTrail's
 * layout, so the audit reads it the way it reads a real trail. Differences from CloudTrail, each documented
 * in docs/sandbox.md: one file per event, delivered at once (CloudTrail delivers about every 5 minutes, with
 * no guarantee); data events only (management events are what LookupEvents returns); and no data events on
 * the trail's own bucket, which CloudTrail warns would loop (each read of a log file writing another).
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html
 */
export class TrailDelivery {
  private readonly trails: ReadonlyMap<string, DeliveredTrail>;

  constructor(
    trails: readonly DeliveredTrail[],
    private readonly writer: TrailBucketWriter,
    private readonly now: () => Date,
  ) {
    this.trails = new Map(trails.map((t) => [t.accountId, t]));
  }

  /** The buckets the trails write to. */
  buckets(): string[] {
    return [...new Set([...this.trails.values()].map((t) => t.bucket))];
  }

  /** Delivers one record, if it is a data event of an account with a trail and not about the trail's own bucket. */
  deliver(record: TrailRecord): boolean {
    const trail = this.trails.get(record.recipientAccountId);
    if (!trail || record.eventCategory !== 'Data') return false;
    const ownBucket = `arn:aws:s3:::${trail.bucket}`;
    if ((record.resources ?? []).some((r) => r.ARN === ownBucket || r.ARN?.startsWith(`${ownBucket}/`))) return false;
    const body = gzipSync(Buffer.from(JSON.stringify({ Records: [record] }), 'utf8'));
    this.writer.deliver(trail.bucket, logFileKey(trail, record.awsRegion, this.now()), body, 'application/json');
    return true;
  }
}
