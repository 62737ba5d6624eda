import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReportStore, StoredObject } from '../../ports/report-store';

/** Audit reports in the versioned, Object-Lock-protected audit bucket. */
export class S3ReportStore implements ReportStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucketName: string,
  ) {}

  async put(key: string, body: string, contentType: string): Promise<StoredObject> {
    const result = await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucketName,
        Key: key,
        Body: body,
        ContentType: contentType,
        // Object Lock buckets require an integrity checksum on every write.
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    return { uri: `s3://${this.bucketName}/${key}`, ...(result.VersionId ? { versionId: result.VersionId } : {}) };
  }
}
