import * as S3 from '@aws-sdk/client-s3';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3Model, inMemoryS3 } from '../../sandbox/models/s3';
import { asSdkCall } from './sdk-error';

export interface StoredVersion {
  readonly versionId: string;
  readonly body: string;
  readonly contentType?: string;
  /** Base64 SHA-256 S3 verified on upload. */
  readonly checksumSha256?: string;
  readonly retainUntil?: Date;
}

/**
 * A versioned S3 bucket with Object Lock default retention (GOVERNANCE, `retentionDays`), at the SDK
 * boundary, over the S3 model (sandbox/models/s3.ts) the sandbox serves too: it refuses a PutObject
 * without Content-MD5 or an `x-amz-checksum-*` value, checks the SHA-256 it is given against the body
 * (BadDigest), keeps every version with the default retention, and returns checksums on request. Any
 * bucket a call names exists, as the stack would have made it.
 */
export class FakeS3 {
  readonly mock = mockClient(S3Client);
  private readonly model: S3Model;
  private readonly buckets = new Set<string>();

  constructor(options: { retentionDays?: number; now?: () => Date } = {}) {
    const now = options.now ?? (() => new Date());
    const { index, bodies } = inMemoryS3();
    const lock = { enabled: true, ...(options.retentionDays ? { defaultRetention: { mode: 'GOVERNANCE', days: options.retentionDays } } : {}) };
    // Every bucket the fake is asked about is the audit bucket: versioned, with Object Lock.
    this.model = new S3Model(index, bodies, now, new Proxy({}, { get: () => lock }));
    const sdk = <T>(bucket: string | undefined, operation: () => T) => {
      this.model.ensureBucket(String(bucket));
      this.buckets.add(String(bucket));
      return asSdkCall(operation, S3);
    };
    this.mock.on(PutObjectCommand).callsFake((input) => {
      const version = sdk(input.Bucket, () =>
        this.model.putObject(String(input.Bucket), String(input.Key), {
          data: Buffer.from(String(input.Body), 'utf8'),
          ...(input.ContentType ? { contentType: input.ContentType } : {}),
          ...(input.ChecksumSHA256 ? { checksumSha256: input.ChecksumSHA256 } : {}),
          otherChecksum: Boolean(input.ChecksumCRC32 ?? input.ChecksumCRC32C ?? input.ChecksumSHA1 ?? input.ChecksumCRC64NVME),
          ...(input.ContentMD5 ? { contentMd5: input.ContentMD5 } : {}),
        }),
      );
      return { VersionId: version.versionId, ChecksumSHA256: version.checksumSha256 };
    });
    this.mock.on(GetObjectCommand).callsFake((input) => {
      const { version, body } = sdk(input.Bucket, () => this.model.getObject(String(input.Bucket), String(input.Key), input.VersionId));
      const checksum = version.checksumSha256;
      return {
        Body: { transformToString: async () => body.toString('utf8'), transformToByteArray: async () => new Uint8Array(body) },
        VersionId: version.versionId,
        ContentType: version.contentType,
        ...(input.ChecksumMode === 'ENABLED' && checksum ? { ChecksumSHA256: checksum, ChecksumType: 'FULL_OBJECT' } : {}),
        ...(version.retention ? { ObjectLockMode: version.retention.mode, ObjectLockRetainUntilDate: new Date(version.retention.retainUntil) } : {}),
      };
    });
    this.mock.on(HeadObjectCommand).callsFake((input) => {
      try {
        const { version } = sdk(input.Bucket, () => this.model.getObject(String(input.Bucket), String(input.Key), input.VersionId));
        return { VersionId: version.versionId };
      } catch (error) {
        // HEAD responses have no body: the SDK reports a bare 404 as NotFound.
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
          throw Object.assign(new Error('Not Found'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
        }
        throw error;
      }
    });
    this.mock.on(ListObjectsV2Command).callsFake((input) => {
      const page = sdk(input.Bucket, () =>
        this.model.listObjectsV2(String(input.Bucket), {
          ...(input.Prefix ? { prefix: input.Prefix } : {}),
          ...(input.MaxKeys !== undefined ? { maxKeys: input.MaxKeys } : {}),
          ...(input.ContinuationToken ? { continuationToken: input.ContinuationToken } : {}),
          ...(input.StartAfter ? { startAfter: input.StartAfter } : {}),
        }),
      );
      return {
        Contents: page.contents.map((c) => ({ Key: c.key })),
        IsTruncated: page.nextContinuationToken !== undefined,
        ...(page.nextContinuationToken ? { NextContinuationToken: page.nextContinuationToken } : {}),
      };
    });
  }

  /** Writes bytes as a service would (CloudTrail delivering a gzip log file), outside any SDK call. */
  deliver(bucket: string, key: string, data: Buffer): void {
    this.model.ensureBucket(bucket);
    this.buckets.add(bucket);
    this.model.putObject(bucket, key, { data, contentType: 'application/json', otherChecksum: true });
  }

  /** Every object's versions, oldest first, by `bucket/key`. */
  get objects(): Map<string, StoredVersion[]> {
    const all = new Map<string, StoredVersion[]>();
    for (const bucket of this.buckets) {
      for (const { key } of this.model.listObjectsV2(bucket, { maxKeys: 1000 }).contents) all.set(`${bucket}/${key}`, this.versions(bucket, key));
    }
    return all;
  }

  /** The newest version at an `s3://bucket/key` URI. */
  latest(uri: string): StoredVersion | undefined {
    const [bucket, ...key] = uri.replace(/^s3:\/\//, '').split('/');
    const versions = this.buckets.has(bucket) ? this.versions(bucket, key.join('/')) : [];
    return versions[versions.length - 1];
  }

  restore(): void {
    this.mock.restore();
  }

  private versions(bucket: string, key: string): StoredVersion[] {
    return (this.model.versionsOf(bucket, key) ?? []).map((v) => {
      const checksum = v.checksumSha256;
      return {
        versionId: v.versionId,
        body: this.model.getObject(bucket, key, v.versionId).body.toString('utf8'),
        contentType: v.contentType,
        ...(checksum ? { checksumSha256: checksum } : {}),
        ...(v.retention ? { retainUntil: new Date(v.retention.retainUntil) } : {}),
      };
    });
  }
}
