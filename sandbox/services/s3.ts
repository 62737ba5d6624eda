import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxClock } from '../clock';
import type { AwsCall, AwsResponse } from '../http/aws-call';
import { AwsError, notEmulated } from '../http/aws-error';
import { escapeXml } from '../http/protocols';
import type { Authorizer } from '../iam/authorizer';
import { JsonFile } from '../store/json-file';

interface StoredObject {
  readonly versionId: string;
  readonly contentType: string;
  readonly etag: string;
  readonly size: number;
  readonly lastModified: string;
  readonly checksumSha256: string;
  /** File name under the bucket's folder. */
  readonly file: string;
}

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

/**
 * S3 for the buckets the broker stack defines (the audit bucket): PutObject (with the SHA-256 checksum
 * Object Lock buckets require, checked), GetObject, HeadObject, ListObjectsV2, path-style and
 * virtual-host-style. Objects are files under `$JIT_HOME/s3/<bucket>/`, each write a new version id.
 * Object Lock retention itself is not emulated: nothing in the sandbox deletes a report.
 */
/** A bucket's Object Lock settings, as its CloudFormation properties give them. */
export interface BucketObjectLock {
  readonly enabled: boolean;
  readonly defaultRetention?: { readonly mode: string; readonly days?: number; readonly years?: number };
}

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

export class S3Emulation {
  readonly signingNames = ['s3'];
  private readonly index: JsonFile<Record<string, Record<string, StoredObject>>>;

  constructor(
    buckets: readonly string[],
    private readonly home: string,
    private readonly authorizer: Authorizer,
    private readonly clock: SandboxClock,
    /** Each bucket's `ObjectLockConfiguration` as its template sets it (CloudFormation's shape). */
    private readonly objectLock: Readonly<Record<string, BucketObjectLock>> = {},
  ) {
    this.index = new JsonFile(join(home, 's3-index.json'), () => ({}));
    for (const bucket of buckets) {
      if (!this.index.get()[bucket]) {
        this.index.update((all) => {
          all[bucket] = {};
        });
      }
    }
  }

  /** The body of an object, for the sandbox's own pages. */
  read(bucket: string, key: string): Buffer | undefined {
    const object = this.index.get()[bucket]?.[key];
    return object ? readFileSync(join(this.home, 's3', bucket, object.file)) : undefined;
  }

  keys(bucket: string): string[] {
    return Object.keys(this.index.get()[bucket] ?? {}).sort();
  }

  async handle(call: AwsCall): Promise<AwsResponse> {
    const { bucket, key } = this.locate(call);
    if (!bucket) {
      if (call.method === 'GET') return this.listBuckets(call);
      throw notEmulated('S3', `${call.method} /`);
    }
    if (!this.index.get()[bucket]) throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404);
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
    const lock = this.objectLock[bucket];
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
    const virtual = Object.keys(this.index.get()).find((b) => host.startsWith(`${b}.`));
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
    const sha256 = createHash('sha256').update(data).digest('base64');
    const declared = call.headers['x-amz-checksum-sha256'] ?? trailers['x-amz-checksum-sha256'];
    if (declared !== undefined && declared !== sha256) {
      throw new AwsError('BadDigest', 'The SHA256 you specified did not match the calculated checksum.', 400);
    }
    if (!declared && CHECKSUM_HEADERS.every((h) => call.headers[h] === undefined && trailers[h] === undefined) && !call.headers['content-md5']) {
      // Object Lock buckets refuse writes without an integrity checksum.
      throw new AwsError('InvalidRequest', 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters', 400);
    }
    const versionId = randomBytes(16).toString('base64url');
    const file = `${encodeURIComponent(key)}.${versionId}`;
    mkdirSync(join(this.home, 's3', bucket), { recursive: true, mode: 0o700 });
    writeFileSync(join(this.home, 's3', bucket, file), data, { mode: 0o600 });
    const etag = `"${createHash('md5').update(data).digest('hex')}"`;
    this.index.update((all) => {
      all[bucket][key] = {
        versionId,
        contentType: call.headers['content-type'] ?? 'binary/octet-stream',
        etag,
        size: data.length,
        lastModified: this.clock.now().toISOString(),
        checksumSha256: sha256,
        file,
      };
    });
    return { status: 200, headers: { etag, 'x-amz-version-id': versionId, 'x-amz-checksum-sha256': sha256 }, body: '' };
  }

  private get(call: AwsCall, bucket: string, key: string, head: boolean): AwsResponse {
    call.note.operation = head ? 'HeadObject' : 'GetObject';
    call.note.readOnly = true;
    // Reading a given version needs s3:GetObjectVersion (and then not s3:GetObject); HeadObject the same.
    // @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
    // @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
    this.authorizer.authorize(call, call.query.has('versionId') ? 's3:GetObjectVersion' : 's3:GetObject', this.objectArn(bucket, key));
    call.note.resources.push({ type: 'AWS::S3::Object', name: this.objectArn(bucket, key) });
    const object = this.index.get()[bucket][key];
    const path = object ? join(this.home, 's3', bucket, object.file) : undefined;
    if (!object || !path || !existsSync(path)) {
      if (head) return { status: 404, headers: {}, body: '' };
      throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404);
    }
    const wanted = call.query.get('versionId');
    if (wanted && wanted !== object.versionId) throw new AwsError('NoSuchVersion', 'The specified version does not exist.', 404);
    const body = readFileSync(path);
    return {
      status: 200,
      headers: {
        'content-type': object.contentType,
        'content-length': String(object.size),
        etag: object.etag,
        'last-modified': new Date(object.lastModified).toUTCString(),
        'x-amz-version-id': object.versionId,
        ...(call.headers['x-amz-checksum-mode'] === 'ENABLED' ? { 'x-amz-checksum-sha256': object.checksumSha256 } : {}),
      },
      body: head ? '' : body,
    };
  }

  private list(call: AwsCall, bucket: string): AwsResponse {
    call.note.operation = 'ListObjectsV2';
    call.note.readOnly = true;
    this.authorizer.authorize(call, 's3:ListBucket', `arn:aws:s3:::${bucket}`);
    const prefix = call.query.get('prefix') ?? '';
    const objects = Object.entries(this.index.get()[bucket])
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1));
    const contents = objects
      .map(
        ([key, o]) =>
          `<Contents><Key>${escapeXml(key)}</Key><LastModified>${o.lastModified}</LastModified><ETag>${escapeXml(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      )
      .join('');
    return {
      status: 200,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${objects.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
    };
  }

  private listBuckets(call: AwsCall): AwsResponse {
    call.note.operation = 'ListBuckets';
    call.note.readOnly = true;
    this.authorizer.authorize(call, 's3:ListAllMyBuckets', '*');
    const buckets = Object.keys(this.index.get())
      .map((b) => `<Bucket><Name>${escapeXml(b)}</Name><CreationDate>${new Date(0).toISOString()}</CreationDate></Bucket>`)
      .join('');
    return {
      status: 200,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Buckets>${buckets}</Buckets></ListAllMyBucketsResult>`,
    };
  }
}
