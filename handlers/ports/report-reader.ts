/** One stored version of a report object, as read back. */
export interface FetchedObject {
  readonly uri: string;
  readonly body: string;
  readonly versionId?: string;
  /** SHA-256 (hex) the store recorded when the object was written, if it keeps one. */
  readonly storedSha256?: string;
  /** Object Lock on this version, if any. */
  readonly retention?: { readonly mode: string; readonly retainUntil: string };
  /** True when a newer version of the same key exists: someone wrote over the report. */
  readonly supersededByNewerVersion: boolean;
}

/**
 * Reads audit reports back, for `jit report` and auditors: fetch a given version, or find a request's report
 * when the request record that points at it has expired.
 */
export interface ReportReader {
  /** The JSON report's URI for a request, found by key layout; undefined when there is none. */
  findJsonUri(requestId: string, accountId?: string): Promise<string | undefined>;
  /** Fetches an object (a given version, or the current one); undefined when it does not exist. */
  fetch(uri: string, versionId?: string): Promise<FetchedObject | undefined>;
}
