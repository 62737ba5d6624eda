import { z } from 'zod';
import { type TrailEvent, recordDetails } from './trail-event';

/**
 * CloudTrail's log files in S3, and the data events of a grant in them (docs/audit.md, "Data events"). Pure:
 * where a trail puts each day's files, which files can hold events of a window, how a file reads, and which
 * of its records are a grant's data events.
 *
 * Layout: `<bucket>/<prefix>/AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/`, one folder per day of
 * delivery, each file named `<account>_CloudTrail_<region>_<yyyymmdd>T<hhmm>Z_<unique>.json.gz` after the
 * minute it was delivered; a file delivered at a time can hold records written at any time before it. Each
 * file is gzip-compressed JSON, `{ "Records": [ ... ] }`, one CloudTrail record per call.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 */

/** `<prefix>/AWSLogs/<account>/CloudTrail/<region>/`: every file of one account and region, without a leading slash. */
export function regionFolder(prefix: string | undefined, accountId: string, region: string): string {
  return `${prefix ? `${prefix}/` : ''}AWSLogs/${accountId}/CloudTrail/${region}/`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `<yyyy>/<mm>/<dd>/` of a moment, in UTC. */
function dayPath(at: Date): string {
  return `${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/`;
}

/** `yyyymmddThhmmZ`, the delivery minute in a log file's name. */
export function deliveryStamp(at: Date): string {
  return `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}T${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}Z`;
}

/** One day's folder to list, and the key to list after (files delivered before the window cannot hold its events). */
export interface DayListing {
  readonly prefix: string;
  readonly startAfter?: string;
}

/** The most days one read lists (the audit window is hours long; a longer one is a bug, not a reason to list a year). */
export const MAX_DAYS = 3;

/**
 * The day folders whose files can hold events from `start` on, up to files delivered by `end`, oldest first.
 * On the first day, listing starts after `<account>_CloudTrail_<region>_<start minute>`: keys sort by delivery
 * minute within a day, and a file delivered before the window started holds no event of it.
 */
export function dayListings(prefix: string | undefined, accountId: string, region: string, start: Date, end: Date): DayListing[] {
  const folder = regionFolder(prefix, accountId, region);
  const days: DayListing[] = [];
  const first = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  for (let day = first; day <= end.getTime() && days.length < MAX_DAYS; day += 86_400_000) {
    const at = new Date(day);
    const dayPrefix = `${folder}${dayPath(at)}`;
    days.push(days.length === 0 ? { prefix: dayPrefix, startAfter: `${dayPrefix}${accountId}_CloudTrail_${region}_${deliveryStamp(start)}` } : { prefix: dayPrefix });
  }
  return days;
}

/** Whether a key is a log file (`.json.gz`), not a digest file or anything else in the folder. */
export function isLogFileKey(key: string): boolean {
  return /_CloudTrail_[a-z0-9-]+_\d{8}T\d{4}Z_[A-Za-z0-9]+\.json\.gz$/.test(key);
}

/** The fields of a record the audit reads; anything else in it is kept out of the report. */
const recordSchema = z
  .object({
    eventID: z.string(),
    eventTime: z.string(),
    eventSource: z.string(),
    eventName: z.string(),
    awsRegion: z.string().optional(),
    eventCategory: z.string().optional(),
    readOnly: z.boolean().optional(),
    errorCode: z.string().optional(),
    errorMessage: z.string().optional(),
    sourceIPAddress: z.string().optional(),
    userAgent: z.string().optional(),
    userIdentity: z
      .object({
        accessKeyId: z.string().optional(),
        sessionContext: z.object({ sourceIdentity: z.string().optional() }).passthrough().optional(),
      })
      .passthrough()
      .optional(),
    resources: z.array(z.object({ ARN: z.string().optional(), type: z.string().optional() }).passthrough()).optional(),
  })
  .passthrough();

export type TrailLogRecord = z.infer<typeof recordSchema>;

/** What one log file held: its records that parse, and how many did not. */
export interface ParsedLogFile {
  readonly records: TrailLogRecord[];
  readonly unreadable: number;
}

/** Reads a log file's JSON (already gunzipped). Throws when it is not a `{ Records: [...] }` document. */
export function parseLogFile(json: string): ParsedLogFile {
  const document = JSON.parse(json) as unknown;
  if (!document || typeof document !== 'object' || !Array.isArray((document as { Records?: unknown }).Records)) {
    throw new Error('not a CloudTrail log file: no Records array');
  }
  const records: TrailLogRecord[] = [];
  let unreadable = 0;
  for (const raw of (document as { Records: unknown[] }).Records) {
    const parsed = recordSchema.safeParse(raw);
    if (parsed.success) records.push(parsed.data);
    else unreadable += 1;
  }
  return { records, unreadable };
}

/** A data event's record as the report's timeline takes it. */
export function toDataTrailEvent(record: TrailLogRecord, accessKeyId: string): TrailEvent {
  const resources = (record.resources ?? [])
    .map((r) => ({ ...(r.type ? { type: r.type } : {}), ...(r.ARN ? { name: r.ARN } : {}) }))
    .filter((r) => r.name !== undefined || r.type !== undefined);
  return {
    eventId: record.eventID,
    eventTime: new Date(record.eventTime).toISOString().replace(/\.000Z$/, 'Z'),
    eventSource: record.eventSource,
    eventName: record.eventName,
    awsRegion: record.awsRegion ?? 'unknown',
    accessKeyId,
    category: 'data',
    ...(record.readOnly === undefined ? {} : { readOnly: record.readOnly }),
    ...recordDetails(record),
    resources,
  };
}

/**
 * The data events of the given access keys within the window: records with `eventCategory: "Data"` (management
 * events are read from LookupEvents, Insights and network activity events are not calls of the grant) whose
 * `userIdentity.accessKeyId` is one of the keys.
 */
export function grantDataEvents(records: readonly TrailLogRecord[], accessKeyIds: ReadonlySet<string>, start: Date, end: Date): TrailEvent[] {
  const events: TrailEvent[] = [];
  for (const record of records) {
    if (record.eventCategory !== 'Data') continue;
    const key = record.userIdentity?.accessKeyId;
    if (!key || !accessKeyIds.has(key)) continue;
    const at = Date.parse(record.eventTime);
    if (Number.isNaN(at) || at < start.getTime() || at > end.getTime()) continue;
    events.push(toDataTrailEvent(record, key));
  }
  return events;
}

/** `s3://<bucket>/<prefix>/AWSLogs/<account>/CloudTrail/<region>/`: the source a report names. */
export function sourceUri(bucket: string, prefix: string | undefined, accountId: string, region: string): string {
  return `s3://${bucket}/${regionFolder(prefix, accountId, region)}`;
}
