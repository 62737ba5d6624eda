import { GetObjectCommand, HeadObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { parseS3Uri, REPORT_PREFIX } from '../../core/report-location';
import { base64ToHex } from '../../core/report-digest';
import type { FetchedObject, ReportReader } from '../../ports/report-reader';

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchVersion';
}

/**
 * Reads reports back from the audit bucket. Needs `s3:GetObject`, `s3:GetObjectVersion`, `s3:ListBucket`
 * and, to show Object Lock, `s3:GetObjectRetention` — operator permissions, not the agent's.
 */
export class S3ReportReader implements ReportReader {
  constructor(
    private readonly client: S3Client,
    /** The audit bucket, to find reports by key; without it only reports named by URI can be read. */
    private readonly bucketName?: string,
  ) {}

  async findJsonUri(requestId: string, accountId?: string): Promise<string | undefined> {
    if (!this.bucketName) return undefined;
    const prefix = accountId ? `${REPORT_PREFIX}${accountId}/` : REPORT_PREFIX;
    const suffix = `/${requestId}.json`;
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucketName, Prefix: prefix })) {
      const match = page.Contents?.find((o) => o.Key?.endsWith(suffix));
      if (match?.Key) return `s3://${this.bucketName}/${match.Key}`;
    }
    return undefined;
  }

  async fetch(uri: string, versionId?: string): Promise<FetchedObject | undefined> {
    const location = parseS3Uri(uri);
    if (!location) throw new RangeError(`Not an S3 URI: ${uri}`);
    let body: string;
    let object;
    try {
      object = await this.client.send(
        new GetObjectCommand({ Bucket: location.bucket, Key: location.key, VersionId: versionId, ChecksumMode: 'ENABLED' }),
      );
      body = (await object.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
    let supersededByNewerVersion = false;
    if (versionId) {
      const current = await this.client.send(new HeadObjectCommand({ Bucket: location.bucket, Key: location.key }));
      supersededByNewerVersion = current.VersionId !== undefined && current.VersionId !== versionId;
    }
    return {
      uri,
      body,
      ...(object.VersionId ? { versionId: object.VersionId } : {}),
      // Whole-object SHA-256 for single-part uploads, which reports always are.
      ...(object.ChecksumSHA256 && object.ChecksumType !== 'COMPOSITE' ? { storedSha256: base64ToHex(object.ChecksumSHA256) } : {}),
      ...(object.ObjectLockMode && object.ObjectLockRetainUntilDate
        ? { retention: { mode: object.ObjectLockMode, retainUntil: object.ObjectLockRetainUntilDate.toISOString() } }
        : {}),
      supersededByNewerVersion,
    };
  }
}
