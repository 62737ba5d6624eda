import { createHash } from 'node:crypto';
import { S3Model, inMemoryS3 } from '../../../sandbox/models/s3';

const BUCKET = 'jit-audit-111111111111';
const NOW = new Date('2026-11-28T10:00:00Z');
const sha256 = (text: string) => createHash('sha256').update(text).digest('base64');
const md5 = (text: string) => createHash('md5').update(text).digest('base64');

function newModel(lock = { enabled: true, defaultRetention: { mode: 'COMPLIANCE', days: 30 } }) {
  const { index, bodies } = inMemoryS3();
  const model = new S3Model(index, bodies, () => NOW, { [BUCKET]: lock });
  model.ensureBucket(BUCKET);
  return model;
}

const put = (model: S3Model, key: string, body: string) => model.putObject(BUCKET, key, { data: Buffer.from(body), checksumSha256: sha256(body) });

describe('S3 model', () => {
  // @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
  it('refuses a write to an Object Lock bucket without Content-MD5 or a checksum, and stores nothing', () => {
    const model = newModel();

    expect(() => model.putObject(BUCKET, 'r.json', { data: Buffer.from('{}') })).toThrow(expect.objectContaining({ code: 'InvalidRequest', status: 400 }));
    expect(model.versionsOf(BUCKET, 'r.json')).toBeUndefined();
    expect(newModel({ enabled: false } as never).putObject(BUCKET, 'r.json', { data: Buffer.from('{}') })).toMatchObject({ size: 2 });
  });

  // @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
  it('refuses a body that does not match its SHA-256 with BadDigest, and keeps the checksum it checked', () => {
    const model = newModel();

    expect(() => model.putObject(BUCKET, 'r.json', { data: Buffer.from('tampered'), checksumSha256: sha256('original') })).toThrow(
      expect.objectContaining({ code: 'BadDigest' }),
    );
    expect(put(model, 'r.json', 'original').checksumSha256).toBe(sha256('original'));
    expect(model.putObject(BUCKET, 'm.md', { data: Buffer.from('x'), contentMd5: md5('x') }).checksumSha256).toBeUndefined();
  });

  // @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (Content-MD5)
  // @see https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (BadDigest, InvalidDigest)
  it('checks a Content-MD5 sent with the body: BadDigest when it does not match, InvalidDigest when it is no MD5, and stores nothing', () => {
    const model = newModel();

    expect(() => model.putObject(BUCKET, 'r.json', { data: Buffer.from('tampered'), contentMd5: md5('original') })).toThrow(
      expect.objectContaining({ code: 'BadDigest', status: 400 }),
    );
    for (const notMd5 of ['md5', Buffer.from('sixteen bytes!!').toString('base64'), 'not base64!']) {
      expect(() => model.putObject(BUCKET, 'r.json', { data: Buffer.from('original'), contentMd5: notMd5 })).toThrow(
        expect.objectContaining({ code: 'InvalidDigest', status: 400 }),
      );
    }
    expect(model.versionsOf(BUCKET, 'r.json')).toBeUndefined();
    expect(model.putObject(BUCKET, 'r.json', { data: Buffer.from('original'), contentMd5: md5('original') })).toMatchObject({ size: 8 });
  });

  // @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
  it('keeps every version: GetObject reads the latest, or the version asked for', () => {
    const model = newModel();
    const first = put(model, 'r.json', 'one');
    const second = put(model, 'r.json', 'two');

    expect(model.getObject(BUCKET, 'r.json').body.toString()).toBe('two');
    expect(model.getObject(BUCKET, 'r.json', first.versionId).body.toString()).toBe('one');
    expect(model.versionsOf(BUCKET, 'r.json')?.map((v) => v.versionId)).toEqual([first.versionId, second.versionId]);
    expect(() => model.getObject(BUCKET, 'r.json', 'no-such-version')).toThrow(expect.objectContaining({ code: 'NoSuchVersion', status: 404 }));
    expect(() => model.getObject(BUCKET, 'other.json')).toThrow(expect.objectContaining({ code: 'NoSuchKey', status: 404 }));
    expect(() => model.getObject('no-bucket', 'r.json')).toThrow(expect.objectContaining({ code: 'NoSuchBucket', status: 404 }));
  });

  // @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
  it("gives each version the bucket's default retention", () => {
    expect(put(newModel(), 'r.json', 'x').retention).toEqual({ mode: 'COMPLIANCE', retainUntil: '2026-12-28T10:00:00.000Z' });
    expect(put(newModel({ enabled: true, defaultRetention: { mode: 'GOVERNANCE', years: 1 } } as never), 'r.json', 'x').retention?.retainUntil).toBe('2027-11-28T10:00:00.000Z');
  });

  // @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
  it('lists the keys under a prefix in order, MaxKeys a page, with a continuation token', () => {
    const model = newModel();
    for (const key of ['reports/b', 'reports/a', 'other/c', 'reports/c']) put(model, key, key);

    const first = model.listObjectsV2(BUCKET, { prefix: 'reports/', maxKeys: 2 });
    const second = model.listObjectsV2(BUCKET, { prefix: 'reports/', maxKeys: 2, continuationToken: first.nextContinuationToken });

    expect(first.contents.map((c) => c.key)).toEqual(['reports/a', 'reports/b']);
    expect(second.contents.map((c) => c.key)).toEqual(['reports/c']);
    expect(second.nextContinuationToken).toBeUndefined();
  });

  // @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
  it('starts a listing after StartAfter, and continues a page after its last key', () => {
    const model = newModel();
    for (const key of ['logs/1000', 'logs/1005', 'logs/1010', 'logs/1015']) put(model, key, key);

    const first = model.listObjectsV2(BUCKET, { prefix: 'logs/', startAfter: 'logs/1005', maxKeys: 1 });
    const second = model.listObjectsV2(BUCKET, { prefix: 'logs/', maxKeys: 1, continuationToken: first.nextContinuationToken });

    expect(first.contents.map((c) => c.key)).toEqual(['logs/1010']);
    expect(second.contents.map((c) => c.key)).toEqual(['logs/1015']);
    expect(second.nextContinuationToken).toBeUndefined();
    expect(() => model.listObjectsV2(BUCKET, { continuationToken: 'not-a-token' })).toThrow(/continuation token provided is incorrect/);
  });
});
