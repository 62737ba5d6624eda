export interface StoredObject {
  readonly uri: string;
  readonly versionId?: string;
}

/** Where audit reports are written (the audit bucket, or a folder in the sandbox). */
export interface ReportStore {
  /**
   * Writes one report object. `sha256` (hex) is the digest of `body`; the store has the service check it
   * on arrival, so what is stored is provably what the broker digested.
   */
  put(key: string, body: string, contentType: string, sha256: string): Promise<StoredObject>;
}
