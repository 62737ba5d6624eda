import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { hexToBase64 } from '../../core/report-digest';
import type { ReportStore, StoredObject } from '../../ports/report-store';

/**
 * Audit reports in the versioned, Object-Lock-protected audit bucket. Retention comes from the bucket's
 * default, so no write sets (or may set) retention itself. S3 refuses writes to a bucket with default
 * retention unless they carry Content-MD5 or an `x-amz-checksum-*` header; this sends the report's SHA-256,
 * which S3 checks against the body it receives and keeps with the object version.
 */
export class S3ReportStore implements ReportStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucketName: string,
  ) {}

  async put(key: string, body: string, contentType: string, sha256: string): Promise<StoredObject> {
    const result = await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucketName,
        Key: key,
        Body: body,
        ContentType: contentType,
        ChecksumAlgorithm: 'SHA256',
        ChecksumSHA256: hexToBase64(sha256),
      }),
    );
    return { uri: `s3://${this.bucketName}/${key}`, ...(result.VersionId ? { versionId: result.VersionId } : {}) };
  }
}
