import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { isDataEvent } from '../models/cloudtrail';
import { appendJsonLineSoon, readJsonLines } from '../store/json-file';

/**
 * One CloudTrail record, as `CloudTrailEvent` holds it (the fields audits read). Data-plane calls (S3
 * objects, Lambda Invoke, DynamoDB items, SNS Publish) are recorded as data events, as a trail with data
 * event selectors for every resource would record them; LookupEvents skips them, as CloudTrail's does.
 */
export interface TrailRecord {
  readonly eventVersion: '1.09';
  readonly eventID: string;
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
  readonly userIdentity: Record<string, unknown>;
  readonly requestParameters: Record<string, unknown> | null;
  readonly responseElements: null;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestID: string;
  readonly readOnly: boolean;
  readonly resources?: ReadonlyArray<{ readonly type?: string; readonly ARN?: string }>;
  readonly eventType: 'AwsApiCall';
  readonly managementEvent: boolean;
  readonly recipientAccountId: string;
  readonly eventCategory: 'Management' | 'Data';
}

export type NewTrailRecord = Omit<TrailRecord, 'eventVersion' | 'eventID' | 'eventType' | 'managementEvent' | 'eventCategory' | 'responseElements'>;

/**
 * The local CloudTrail: one JSON-lines file per account under `$JIT_HOME/trail/`, appended to for every
 * call the sandbox answers (allowed or denied), so a grant's audit report shows what its credentials did.
 * Events are visible at once: the sandbox has no delivery lag (the workflow still waits the configured
 * delay, on the sandbox clock).
 */
export class TrailStore {
  private readonly folder: string;
  private readonly listeners: Array<(record: TrailRecord) => void> = [];

  constructor(home: string) {
    this.folder = join(home, 'trail');
  }

  /** Called with every record as it is recorded; it is on disk before the call is answered (the sandbox forwards broker sessions' calls to the broker bus). */
  onRecord(listener: (record: TrailRecord) => void): void {
    this.listeners.push(listener);
  }

  record(accountId: string, record: NewTrailRecord): TrailRecord {
    const data = isDataEvent(record.eventSource, record.eventName);
    const full: TrailRecord = {
      eventVersion: '1.09',
      eventID: randomUUID(),
      ...record,
      responseElements: null,
      eventType: 'AwsApiCall',
      managementEvent: !data,
      eventCategory: data ? 'Data' : 'Management',
    };
    appendJsonLineSoon(join(this.folder, `${accountId}.jsonl`), full);
    for (const listener of this.listeners) {
      try {
        listener(full);
      } catch (error) {
        console.error(`sandbox: forwarding trail event ${full.eventID} failed: ${(error as Error).message}`);
      }
    }
    return full;
  }

  /** Every record of an account, oldest first. */
  events(accountId: string): TrailRecord[] {
    if (!/^\d{12}$/.test(accountId)) return [];
    return readJsonLines<TrailRecord>(join(this.folder, `${accountId}.jsonl`));
  }
}
