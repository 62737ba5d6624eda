import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ReportStore } from '../../../../handlers/adapters/aws/s3-report-store';
import { sha256Hex } from '../../../../handlers/core/report-digest';
import { FakeS3 } from '../../../fakes/fake-s3';

const BUCKET = 'jit-audit-reports';

describe('S3ReportStore', () => {
  it('sends the SHA-256 so S3 checks the body, as Object Lock buckets require', async () => {
    // Prepare
    const s3 = new FakeS3({ retentionDays: 30 });
    const body = '{"hello":"auditor"}\n';

    // Act
    const stored = await new S3ReportStore(new S3Client({ region: 'eu-west-1' }), BUCKET).put('reports/x.json', body, 'application/json', sha256Hex(body));

    // Assess
    expect(s3.mock).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: BUCKET,
      Key: 'reports/x.json',
      ChecksumAlgorithm: 'SHA256',
      ChecksumSHA256: Buffer.from(sha256Hex(body), 'hex').toString('base64'),
    });
    expect(stored).toEqual({ uri: `s3://${BUCKET}/reports/x.json`, versionId: expect.any(String) });
    s3.restore();
  });

  it('fails rather than store bytes that do not match their digest', async () => {
    // Prepare
    const s3 = new FakeS3({ retentionDays: 30 });

    // Act / Assess
    await expect(new S3ReportStore(new S3Client({ region: 'eu-west-1' }), BUCKET).put('reports/x.json', 'tampered', 'application/json', sha256Hex('original'))).rejects.toMatchObject({ name: 'BadDigest' });
    expect(s3.objects.size).toBe(0);
    s3.restore();
  });
});
