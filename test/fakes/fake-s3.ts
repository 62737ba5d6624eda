import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

export interface StoredVersion {
  readonly versionId: string;
  readonly body: string;
  readonly contentType?: string;
  /** Base64 SHA-256 S3 verified on upload. */
  readonly checksumSha256?: string;
  readonly retainUntil?: Date;
}

const s3Error = (name: string, message: string, status: number) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

/**
 * A versioned S3 bucket with Object Lock default retention, at the SDK boundary: like S3, it refuses a
 * PutObject without Content-MD5 or an `x-amz-checksum-*` value, checks the SHA-256 it is given against the
 * body (BadDigest), keeps every version with the default retention, and returns checksums on request.
 */
export class FakeS3 {
  readonly mock = mockClient(S3Client);
  /** `bucket/key` → versions, oldest first. */
  readonly objects = new Map<string, StoredVersion[]>();

  constructor(options: { retentionDays?: number; now?: () => Date } = {}) {
    const now = options.now ?? (() => new Date());
    this.mock.on(PutObjectCommand).callsFake((input) => {
      const body = String(input.Body);
      if (!input.ChecksumSHA256 && !input.ContentMD5) {
        throw s3Error('InvalidRequest', 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters', 400);
      }
      const actual = createHash('sha256').update(body, 'utf8').digest('base64');
      if (input.ChecksumSHA256 && input.ChecksumSHA256 !== actual) {
        throw s3Error('BadDigest', 'The SHA256 you specified did not match the calculated checksum.', 400);
      }
      const version: StoredVersion = {
        versionId: randomBytes(12).toString('base64url'),
        body,
        contentType: input.ContentType,
        checksumSha256: input.ChecksumSHA256,
        ...(options.retentionDays ? { retainUntil: new Date(now().getTime() + options.retentionDays * 86_400_000) } : {}),
      };
      const key = `${input.Bucket}/${input.Key}`;
      this.objects.set(key, [...(this.objects.get(key) ?? []), version]);
      return { VersionId: version.versionId, ChecksumSHA256: input.ChecksumSHA256 };
    });
    this.mock.on(GetObjectCommand).callsFake((input) => {
      const versions = this.objects.get(`${input.Bucket}/${input.Key}`);
      if (!versions) throw s3Error('NoSuchKey', 'The specified key does not exist.', 404);
      const version = input.VersionId ? versions.find((v) => v.versionId === input.VersionId) : versions[versions.length - 1];
      if (!version) throw s3Error('NoSuchVersion', 'The specified version does not exist.', 404);
      return {
        Body: { transformToString: async () => version.body },
        VersionId: version.versionId,
        ContentType: version.contentType,
        ...(input.ChecksumMode === 'ENABLED' && version.checksumSha256 ? { ChecksumSHA256: version.checksumSha256, ChecksumType: 'FULL_OBJECT' } : {}),
        ...(version.retainUntil ? { ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: version.retainUntil } : {}),
      };
    });
    this.mock.on(HeadObjectCommand).callsFake((input) => {
      const versions = this.objects.get(`${input.Bucket}/${input.Key}`);
      if (!versions) throw s3Error('NotFound', 'Not Found', 404);
      return { VersionId: versions[versions.length - 1].versionId };
    });
    this.mock.on(ListObjectsV2Command).callsFake((input) => {
      const prefix = `${input.Bucket}/${input.Prefix ?? ''}`;
      const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      const offset = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
      const max = input.MaxKeys ?? 1000;
      const page = keys.slice(offset, offset + max);
      const more = offset + max < keys.length;
      return {
        Contents: page.map((k) => ({ Key: k.slice(String(input.Bucket).length + 1) })),
        IsTruncated: more,
        ...(more ? { NextContinuationToken: String(offset + max) } : {}),
      };
    });
  }

  /** The newest version at an `s3://bucket/key` URI. */
  latest(uri: string): StoredVersion | undefined {
    const versions = this.objects.get(uri.replace(/^s3:\/\//, ''));
    return versions?.[versions.length - 1];
  }

  restore(): void {
    this.mock.restore();
  }
}
