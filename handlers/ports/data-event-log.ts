import type { DataEventTrailSetting } from '../core/broker-settings';
import type { TrailEvent } from '../core/trail-event';

export interface DataEventQuery {
  /** The audited region whose log files are read. */
  readonly region: string;
  /** Every access key issued for the request: only their data events are kept. */
  readonly accessKeyIds: readonly string[];
  readonly startTime: Date;
  readonly endTime: Date;
  /** Wall-clock time (epoch ms) after which no further object is read; the read then returns `complete: false`. */
  readonly stopAt?: number;
}

export interface DataEventRead {
  /** `s3://<bucket>/<prefix>/AWSLogs/<account>/CloudTrail/<region>/`. */
  readonly source: string;
  readonly events: TrailEvent[];
  /** Log files read. */
  readonly objects: number;
  /** False when a listing or a file could not be read, or the read stopped at `stopAt`. */
  readonly complete: boolean;
  readonly error?: string;
}

/**
 * The data events of one target account, read from the log files of a trail that records them, through that
 * account's audit role (docs/audit.md, "Data events"). Never throws for a region it cannot read: it says so.
 */
export interface DataEventLog {
  readDataEvents(query: DataEventQuery): Promise<DataEventRead>;
}

/** Opens the data-event trail of a target account. */
export type DataEventLogFactory = (accountId: string, trail: DataEventTrailSetting) => DataEventLog;
