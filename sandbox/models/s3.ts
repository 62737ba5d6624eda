import { createHash, randomBytes } from 'node:crypto';
import { AwsError } from './aws-error';

/** One version of an object in a versioned bucket. */
export interface ObjectVersion {
  readonly versionId: string;
  readonly contentType: string;
  readonly etag: string;
  readonly size: number;
  readonly lastModified: string;
  /**
   * Base64 SHA-256 of the body, which S3 checked on upload. S3 keeps the checksum of the algorithm the
   * upload named, so only an upload that sent a SHA-256 has one.
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
   */
  readonly checksumSha256?: string;
  /** Object Lock: the version may not be deleted or overwritten before this (ISO), in this mode. */
  readonly retention?: { readonly mode: string; readonly retainUntil: string };
}

/** A bucket's Object Lock settings, as its CloudFormation properties give them. */
export interface BucketObjectLock {
  readonly enabled: boolean;
  readonly defaultRetention?: { readonly mode: string; readonly days?: number; readonly years?: number };
}

/** Buckets → keys → versions, oldest first; `update` changes the value in place and writes it through. */
export interface S3Index {
  get(): Record<string, Record<string, ObjectVersion[]>>;
  update<R>(change: (all: Record<string, Record<string, ObjectVersion[]>>) => R): R;
}

/** Where object bodies are kept (the sandbox: files; the fakes: memory), by bucket, key and version. */
export interface S3Bodies {
  write(bucket: string, key: string, versionId: string, data: Buffer): void;
  read(bucket: string, key: string, versionId: string): Buffer | undefined;
}

export function inMemoryS3(): { index: S3Index; bodies: S3Bodies } {
  const all: Record<string, Record<string, ObjectVersion[]>> = {};
  const bodies = new Map<string, Buffer>();
  return {
    index: { get: () => all, update: (change) => change(all) },
    bodies: {
      write: (bucket, key, versionId, data) => bodies.set(`${bucket}/${key}#${versionId}`, data),
      read: (bucket, key, versionId) => bodies.get(`${bucket}/${key}#${versionId}`),
    },
  };
}

export interface PutObjectInput {
  readonly data: Buffer;
  readonly contentType?: string;
  /** `x-amz-checksum-sha256` / `ChecksumSHA256`, base64. */
  readonly checksumSha256?: string;
  /** Another `x-amz-checksum-*` value (CRC32, CRC32C, SHA-1, CRC64NVME) came with the upload. */
  readonly otherChecksum?: boolean;
  readonly contentMd5?: string;
}

const DAY_MS = 86_400_000;

/**
 * S3 versioned buckets with Object Lock, as the audit bucket is: every PutObject adds a version; a write
 * to an Object Lock bucket needs Content-MD5 or an `x-amz-checksum-*` value, a SHA-256 given is checked
 * against the body; GetObject reads the latest version or the one asked for; a version takes the bucket's
 * default retention.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
 */
export class S3Model {
  constructor(
    private readonly index: S3Index,
    private readonly bodies: S3Bodies,
    private readonly now: () => Date,
    private readonly objectLock: Readonly<Record<string, BucketObjectLock>> = {},
  ) {}

  ensureBucket(bucket: string): void {
    if (this.index.get()[bucket]) return;
    this.index.update((all) => {
      all[bucket] = {};
    });
  }

  buckets(): string[] {
    return Object.keys(this.index.get());
  }

  /** @see https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (NoSuchBucket, 404) */
  private bucket(bucket: string): Record<string, ObjectVersion[]> {
    const objects = this.index.get()[bucket];
    if (!objects) throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404);
    return objects;
  }

  /** Refuses a bucket that does not exist (NoSuchBucket), before anything else is asked of it. */
  requireBucket(bucket: string): void {
    this.bucket(bucket);
  }

  objectLockOf(bucket: string): BucketObjectLock | undefined {
    this.bucket(bucket);
    return this.objectLock[bucket];
  }

  /**
   * PutObject: an Object Lock bucket refuses a write without Content-MD5 or an `x-amz-checksum-*` value;
   * a Content-MD5 that is not a base64 MD5 is InvalidDigest, one or a SHA-256 that does not match the body
   * is BadDigest; else a new version, with the bucket's default
   * retention.
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
   */
  putObject(bucket: string, key: string, input: PutObjectInput): ObjectVersion {
    this.bucket(bucket);
    if (input.contentMd5 !== undefined) checkContentMd5(input.contentMd5, input.data);
    const sha256 = createHash('sha256').update(input.data).digest('base64');
    if (input.checksumSha256 !== undefined && input.checksumSha256 !== sha256) {
      throw new AwsError('BadDigest', 'The SHA256 you specified did not match the calculated checksum.', 400);
    }
    const lock = this.objectLock[bucket];
    if ((lock?.enabled ?? false) && input.checksumSha256 === undefined && !input.otherChecksum && !input.contentMd5) {
      throw new AwsError('InvalidRequest', 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters', 400);
    }
    const now = this.now();
    const retention = lock?.enabled && lock.defaultRetention ? retentionOf(lock.defaultRetention, now) : undefined;
    const version: ObjectVersion = {
      versionId: randomBytes(16).toString('base64url'),
      contentType: input.contentType ?? 'binary/octet-stream',
      etag: `"${createHash('md5').update(input.data).digest('hex')}"`,
      size: input.data.length,
      lastModified: now.toISOString(),
      ...(input.checksumSha256 !== undefined ? { checksumSha256: sha256 } : {}),
      ...(retention ? { retention } : {}),
    };
    this.bodies.write(bucket, key, version.versionId, input.data);
    this.index.update((all) => {
      all[bucket][key] = [...(all[bucket][key] ?? []), version];
    });
    return version;
  }

  /**
   * The latest version of a key, or the version asked for: NoSuchKey (404) for a key never written,
   * NoSuchVersion (404) for a version id the key does not have.
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
   */
  getObject(bucket: string, key: string, versionId?: string): { version: ObjectVersion; body: Buffer } {
    const versions = this.bucket(bucket)[key];
    const latest = versions?.[versions.length - 1];
    const body = latest && this.bodies.read(bucket, key, latest.versionId);
    if (!latest || !body) throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404);
    if (versionId === undefined) return { version: latest, body };
    const version = versions.find((v) => v.versionId === versionId);
    const versionBody = version && this.bodies.read(bucket, key, version.versionId);
    if (!version || !versionBody) throw new AwsError('NoSuchVersion', 'The specified version does not exist.', 404);
    return { version, body: versionBody };
  }

  /** Every version of a key, oldest first (ListObjectVersions' view of one key). */
  versionsOf(bucket: string, key: string): readonly ObjectVersion[] | undefined {
    return this.bucket(bucket)[key];
  }

  /**
   * ListObjectsV2: the keys under a prefix in UTF-8 binary order with their latest version, at most
   * MaxKeys (default 1,000) a page, a continuation token for the rest.
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
   */
  /**
   * ListObjectsV2: keys under `prefix` in UTF-8 byte order, at most MaxKeys (1,000) a page; `startAfter`
   * starts after that key, and the opaque continuation token continues after the last key of the page.
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
   */
  listObjectsV2(bucket: string, query: { prefix?: string; maxKeys?: number; continuationToken?: string; startAfter?: string }): {
    contents: Array<{ key: string; version: ObjectVersion }>;
    nextContinuationToken?: string;
  } {
    const objects = this.bucket(bucket);
    const prefix = query.prefix ?? '';
    const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
    let after = query.startAfter;
    if (query.continuationToken) {
      const decoded = Buffer.from(query.continuationToken, 'base64url').toString('utf8');
      if (!decoded.startsWith('after:')) throw new AwsError('InvalidArgument', 'The continuation token provided is incorrect', 400);
      after = decoded.slice('after:'.length);
    }
    const keys = Object.keys(objects)
      .filter((k) => k.startsWith(prefix) && (after === undefined || byBytes(k, after) > 0))
      .sort(byBytes);
    const max = Math.min(query.maxKeys ?? 1000, 1000);
    const page = keys.slice(0, max);
    const more = max < keys.length;
    return {
      contents: page.map((key) => ({ key, version: objects[key][objects[key].length - 1] })),
      ...(more ? { nextContinuationToken: Buffer.from(`after:${page[page.length - 1]}`).toString('base64url') } : {}),
    };
  }
}

/** A base64 MD5 digest: 16 bytes, so 22 characters and `==`. */
const BASE64_MD5 = /^[A-Za-z0-9+/]{22}==$/;

/**
 * Content-MD5 is the base64 MD5 of the body (RFC 1864); S3 checks it when it is sent: InvalidDigest
 * (400) when it is not one, BadDigest (400) when it is not the body's.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */
function checkContentMd5(contentMd5: string, data: Buffer): void {
  if (!BASE64_MD5.test(contentMd5)) throw new AwsError('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400);
  if (contentMd5 !== createHash('md5').update(data).digest('base64')) {
    throw new AwsError('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400);
  }
}

/** @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html#object-lock-retention-periods */
function retentionOf(retention: { mode: string; days?: number; years?: number }, now: Date): { mode: string; retainUntil: string } {
  const until = new Date(now.getTime());
  if (retention.years !== undefined) until.setUTCFullYear(until.getUTCFullYear() + retention.years);
  if (retention.days !== undefined) until.setTime(until.getTime() + retention.days * DAY_MS);
  return { mode: retention.mode, retainUntil: until.toISOString() };
}
