export interface StoredObject {
  readonly uri: string;
  readonly versionId?: string;
}

/** Where audit reports are kept (the audit bucket, or a folder in the sandbox). */
export interface ReportStore {
  put(key: string, body: string, contentType: string): Promise<StoredObject>;
}
