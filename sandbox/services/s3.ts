import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxClock } from '../clock';
import type { AwsCall, AwsResponse } from '../http/aws-call';
import { AwsError, notEmulated } from '../http/aws-error';
import { escapeXml } from '../http/protocols';
import type { Authorizer } from '../iam/authorizer';
import { type BucketObjectLock, type ObjectVersion, type S3Bodies, type S3Index, S3Model } from '../models/s3';
import { JsonFile } from '../store/json-file';

/** Reads an `aws-chunked` body (the SDKs' streaming uploads with trailing checksums). */
export function decodeAwsChunked(body: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const chunks: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) throw new AwsError('IncompleteBody', 'The aws-chunked body ended early.', 400);
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1').split(';')[0], 16);
    if (Number.isNaN(size)) throw new AwsError('InvalidRequest', 'Malformed aws-chunked body.', 400);
    at = lineEnd + 2;
    if (size === 0) break;
    chunks.push(body.subarray(at, at + size));
    at += size + 2;
  }
  for (const line of body.subarray(at).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(chunks), trailers };
}

const CHECKSUM_HEADERS = ['x-amz-checksum-sha256', 'x-amz-checksum-crc32', 'x-amz-checksum-crc32c', 'x-amz-checksum-sha1', 'x-amz-checksum-crc64nvme'];

export type { BucketObjectLock };

/** Reads `ObjectLockEnabled` and `ObjectLockConfiguration.Rule.DefaultRetention` of an AWS::S3::Bucket. */
export function objectLockOf(properties: Readonly<Record<string, unknown>> | undefined): BucketObjectLock {
  const retention = (properties?.ObjectLockConfiguration as { Rule?: { DefaultRetention?: { Mode?: string; Days?: number; Years?: number } } } | undefined)?.Rule?.DefaultRetention;
  return {
    enabled: properties?.ObjectLockEnabled === true,
    ...(retention?.Mode
      ? { defaultRetention: { mode: retention.Mode, ...(retention.Days !== undefined ? { days: retention.Days } : {}), ...(retention.Years !== undefined ? { years: retention.Years } : {}) } }
      : {}),
  };
}

/**
 * S3's REST protocol for the buckets the broker stack defines (the audit bucket) and the configured trails of
 * data events (their log files, written by `deliver`): PutObject, GetObject,
 * HeadObject, ListObjectsV2, GetObjectLockConfiguration, path-style and virtual-host-style. Versions,
 * checksums and retention are the model's (sandbox/models/s3.ts); bodies are files under
 * `$JIT_HOME/s3/<bucket>/`, one per version. Nothing in the sandbox deletes a report, so Object Lock's
 * refusal to delete is not exercised.
 */
export class S3Emulation {
  readonly signingNames = ['s3'];
  private readonly model: S3Model;

  constructor(
    buckets: readonly string[],
    home: string,
    private readonly authorizer: Authorizer,
    clock: SandboxClock,
    /** Each bucket's `ObjectLockConfiguration` as its template sets it (CloudFormation's shape). */
    objectLock: Readonly<Record<string, BucketObjectLock>> = {},
  ) {
    const index = new JsonFile<Record<string, Record<string, ObjectVersion[] | (ObjectVersion & { file?: string })>>>(join(home, 's3-index.json'), () => ({}));
    // A home written before versions were kept holds the latest version of each key, not a list.
    index.update((all) => {
      for (const objects of Object.values(all)) for (const [key, entry] of Object.entries(objects)) if (!Array.isArray(entry)) objects[key] = [entry];
    });
    const folder = (bucket: string) => join(home, 's3', bucket);
    const bodies: S3Bodies = {
      write: (bucket, key, versionId, data) => {
        mkdirSync(folder(bucket), { recursive: true, mode: 0o700 });
        writeFileSync(join(folder(bucket), `${encodeURIComponent(key)}.${versionId}`), data, { mode: 0o600 });
      },
      read: (bucket, key, versionId) => {
        const path = join(folder(bucket), `${encodeURIComponent(key)}.${versionId}`);
        return existsSync(path) ? readFileSync(path) : undefined;
      },
    };
    this.model = new S3Model(index as S3Index, bodies, () => clock.now(), objectLock);
    for (const bucket of buckets) this.model.ensureBucket(bucket);
  }

  /** The body of an object, for the sandbox's own pages. */
  read(bucket: string, key: string): Buffer | undefined {
    try {
      return this.model.getObject(bucket, key).body;
    } catch {
      return undefined;
    }
  }

  /**
   * Writes an object as a service does (CloudTrail delivering a log file), outside any caller's request:
   * nothing is authorized or recorded.
   */
  deliver(bucket: string, key: string, data: Buffer, contentType: string): void {
    this.model.putObject(bucket, key, { data, contentType });
  }

  /** Whether the sandbox holds this bucket. */
  hasBucket(bucket: string): boolean {
    return this.model.buckets().includes(bucket);
  }

  keys(bucket: string): string[] {
    return this.model.listObjectsV2(bucket, {}).contents.map((c) => c.key);
  }

  async handle(call: AwsCall): Promise<AwsResponse> {
    const { bucket, key } = this.locate(call);
    if (!bucket) {
      if (call.method === 'GET') return this.listBuckets(call);
      throw notEmulated('S3', `${call.method} /`);
    }
    this.model.requireBucket(bucket);
    if (!key) {
      if (call.method === 'GET' && call.query.has('object-lock')) return this.getObjectLockConfiguration(call, bucket);
      if (call.method === 'GET' && (call.query.get('list-type') === '2' || call.query.size === 0 || call.query.has('prefix'))) return this.list(call, bucket);
      throw notEmulated('S3', `${call.method} bucket ${[...call.query.keys()].join(',')}`);
    }
    switch (call.method) {
      case 'PUT':
        return this.put(call, bucket, key);
      case 'GET':
      case 'HEAD':
        return this.get(call, bucket, key, call.method === 'HEAD');
      default:
        throw notEmulated('S3', `${call.method} object`);
    }
  }

  /**
   * GetObjectLockConfiguration, from the bucket's template. A bucket without Object Lock answers
   * `ObjectLockConfigurationNotFoundError` (404), as S3 does. The permission is
   * `s3:GetBucketObjectLockConfiguration`.
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectLockConfiguration.html
   */
  private getObjectLockConfiguration(call: AwsCall, bucket: string): AwsResponse {
    call.note.operation = 'GetObjectLockConfiguration';
    call.note.readOnly = true;
    call.note.requestParameters = { bucketName: bucket, 'object-lock': '' };
    this.authorizer.authorize(call, 's3:GetBucketObjectLockConfiguration', `arn:aws:s3:::${bucket}`);
    const lock = this.model.objectLockOf(bucket);
    if (!lock?.enabled) throw new AwsError('ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket', 404);
    const retention = lock.defaultRetention;
    const rule = retention
      ? `<Rule><DefaultRetention><Mode>${retention.mode}</Mode>${retention.days !== undefined ? `<Days>${retention.days}</Days>` : ''}${retention.years !== undefined ? `<Years>${retention.years}</Years>` : ''}</DefaultRetention></Rule>`
      : '';
    return {
      status: 200,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<ObjectLockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ObjectLockEnabled>Enabled</ObjectLockEnabled>${rule}</ObjectLockConfiguration>`,
    };
  }

  private locate(call: AwsCall): { bucket?: string; key?: string } {
    const host = (call.headers.host ?? '').split(':')[0];
    const segments = call.path.split('/').slice(1);
    const decode = (parts: string[]) => parts.map((p) => decodeURIComponent(p)).join('/');
    const virtual = this.model.buckets().find((b) => host.startsWith(`${b}.`));
    if (virtual) return { bucket: virtual, key: decode(segments) || undefined };
    const [bucket, ...rest] = segments;
    return { bucket: bucket ? decodeURIComponent(bucket) : undefined, key: decode(rest) || undefined };
  }

  private objectArn(bucket: string, key: string): string {
    return `arn:aws:s3:::${bucket}/${key}`;
  }

  private put(call: AwsCall, bucket: string, key: string): AwsResponse {
    call.note.operation = 'PutObject';
    this.authorizer.authorize(call, 's3:PutObject', this.objectArn(bucket, key));
    call.note.resources.push({ type: 'AWS::S3::Object', name: this.objectArn(bucket, key) });
    let data = call.body;
    let trailers: Record<string, string> = {};
    if ((call.headers['content-encoding'] ?? '').includes('aws-chunked') || (call.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')) {
      ({ data, trailers } = decodeAwsChunked(call.body));
    }
    const header = (name: string) => call.headers[name] ?? trailers[name];
    const declared = header('x-amz-checksum-sha256');
    const md5 = call.headers['content-md5'];
    const contentType = call.headers['content-type'];
    const version = this.model.putObject(bucket, key, {
      data,
      ...(contentType ? { contentType } : {}),
      ...(declared !== undefined ? { checksumSha256: declared } : {}),
      otherChecksum: CHECKSUM_HEADERS.some((h) => h !== 'x-amz-checksum-sha256' && header(h) !== undefined),
      ...(md5 ? { contentMd5: md5 } : {}),
    });
    return { status: 200, headers: { etag: version.etag, 'x-amz-version-id': version.versionId, ...(version.checksumSha256 ? { 'x-amz-checksum-sha256': version.checksumSha256 } : {}) }, body: '' };
  }

  private get(call: AwsCall, bucket: string, key: string, head: boolean): AwsResponse {
    call.note.operation = head ? 'HeadObject' : 'GetObject';
    call.note.readOnly = true;
    // Reading a given version needs s3:GetObjectVersion (and then not s3:GetObject); HeadObject the same.
    // @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
    // @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
    this.authorizer.authorize(call, call.query.has('versionId') ? 's3:GetObjectVersion' : 's3:GetObject', this.objectArn(bucket, key));
    call.note.resources.push({ type: 'AWS::S3::Object', name: this.objectArn(bucket, key) });
    const wanted = call.query.get('versionId') ?? undefined;
    let found: { version: ObjectVersion; body: Buffer };
    try {
      found = this.model.getObject(bucket, key, wanted);
    } catch (error) {
      // HEAD responses have no body, so S3 answers a bare 404.
      if (head && error instanceof AwsError && error.status === 404) return { status: 404, headers: {}, body: '' };
      throw error;
    }
    const { version, body } = found;
    return {
      status: 200,
      headers: {
        'content-type': version.contentType,
        'content-length': String(version.size),
        etag: version.etag,
        'last-modified': new Date(version.lastModified).toUTCString(),
        'x-amz-version-id': version.versionId,
        ...(call.headers['x-amz-checksum-mode'] === 'ENABLED' && version.checksumSha256 ? { 'x-amz-checksum-sha256': version.checksumSha256 } : {}),
      },
      body: head ? '' : body,
    };
  }

  private list(call: AwsCall, bucket: string): AwsResponse {
    call.note.operation = 'ListObjectsV2';
    call.note.readOnly = true;
    // The listing's prefix is the s3:prefix condition key (absent without one), as S3 authorizes it.
    // @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-condition-keys.html
    const prefixParameter = call.query.get('prefix') ?? undefined;
    this.authorizer.authorize(call, 's3:ListBucket', `arn:aws:s3:::${bucket}`, prefixParameter !== undefined ? { request: { s3Prefix: prefixParameter } } : {});
    call.note.requestParameters = { bucketName: bucket, ...(prefixParameter !== undefined ? { prefix: prefixParameter } : {}) };
    const prefix = prefixParameter ?? '';
    const maxKeys = call.query.has('max-keys') ? Number(call.query.get('max-keys')) : undefined;
    const token = call.query.get('continuation-token') ?? undefined;
    const startAfter = call.query.get('start-after') ?? undefined;
    const page = this.model.listObjectsV2(bucket, {
      prefix,
      ...(maxKeys !== undefined ? { maxKeys } : {}),
      ...(token ? { continuationToken: token } : {}),
      ...(startAfter ? { startAfter } : {}),
    });
    const contents = page.contents
      .map(
        ({ key, version: o }) =>
          `<Contents><Key>${escapeXml(key)}</Key><LastModified>${o.lastModified}</LastModified><ETag>${escapeXml(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      )
      .join('');
    const next = page.nextContinuationToken ? `<NextContinuationToken>${escapeXml(page.nextContinuationToken)}</NextContinuationToken>` : '';
    return {
      status: 200,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${page.contents.length}</KeyCount><MaxKeys>${maxKeys ?? 1000}</MaxKeys><IsTruncated>${next ? 'true' : 'false'}</IsTruncated>${next}${contents}</ListBucketResult>`,
    };
  }

  private listBuckets(call: AwsCall): AwsResponse {
    call.note.operation = 'ListBuckets';
    call.note.readOnly = true;
    this.authorizer.authorize(call, 's3:ListAllMyBuckets', '*');
    const buckets = this.model.buckets()
      .map((b) => `<Bucket><Name>${escapeXml(b)}</Name><CreationDate>${new Date(0).toISOString()}</CreationDate></Bucket>`)
      .join('');
    return {
      status: 200,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Buckets>${buckets}</Buckets></ListAllMyBucketsResult>`,
    };
  }
}
