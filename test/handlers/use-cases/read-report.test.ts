import { S3Client } from '@aws-sdk/client-s3';
import { S3ReportReader } from '../../../handlers/adapters/aws/s3-report-reader';
import { S3ReportStore } from '../../../handlers/adapters/aws/s3-report-store';
import type { ReportLocation } from '../../../handlers/core/report-location';
import { sha256Hex } from '../../../handlers/core/report-digest';
import { readReport } from '../../../handlers/use-cases/read-report';
import { InMemoryRequestStore } from '../../fakes/ports/in-memory-request-store';
import { FakeS3 } from '../../fakes/fake-s3';
import { writeSampleReport } from '../../helpers/audit-fixtures';
import { AUDIT_REQUEST, requestRecord } from '../../helpers/fixtures';

const BUCKET = 'jit-audit-reports';
const REQUEST_ID = 'req-audit-0001';
const KEY_BASE = `reports/222222222222/2026/11/${REQUEST_ID}`;

describe('readReport', () => {
  let s3: FakeS3;
  let store: InMemoryRequestStore;
  const client = new S3Client({ region: 'eu-west-1' });
  const reader = new S3ReportReader(client, BUCKET);

  beforeEach(() => {
    s3 = new FakeS3({ retentionDays: 365 });
    store = new InMemoryRequestStore();
  });
  afterEach(() => {
    s3.restore();
  });

  /** Writes a report the way the audit does and records it on the request. */
  async function writeReport(): Promise<{ json: string; location: ReportLocation }> {
    const { json, location } = await writeSampleReport(client, BUCKET, KEY_BASE);
    store.seed(requestRecord({ ...AUDIT_REQUEST, status: 'AUDITED', updatedAt: '2026-11-28T10:42:00Z', report: location }));
    return { json, location };
  }

  it('fetches the version the audit wrote and verifies it', async () => {
    // Prepare
    const { json, location } = await writeReport();

    // Act
    const result = await readReport(REQUEST_ID, { reader, store });

    // Assess
    expect(result).toMatchObject({ verified: true, json, sha256: location.sha256, jsonVersionId: location.jsonVersionId, report: { requestId: REQUEST_ID } });
    expect(Object.fromEntries(result.checks.map((c) => [c.name, c.ok]))).toEqual({
      schema: true,
      'published-digest': true,
      'stored-checksum': true,
      'markdown-names-digest': true,
      'markdown-digest': true,
      'latest-version': true,
      'object-lock': true,
      // Written without a signer: no manifest to verify (test/workflows/signed-evidence.test.ts signs one).
      'manifest-signature': null,
    });
    expect(result.markdown).toContain('# Elevation audit: req-audit-0001');
  });

  it('still shows the original when a newer version was written over the report, and says so', async () => {
    // Prepare
    const { json } = await writeReport();
    const forged = json.replace('"mutating": 1', '"mutating": 0');
    await new S3ReportStore(client, BUCKET).put(`${KEY_BASE}.json`, forged, 'application/json', sha256Hex(forged));

    // Act
    const result = await readReport(REQUEST_ID, { reader, store });

    // Assess
    expect(result.json).toBe(json);
    expect(result.verified).toBe(false);
    expect(result.checks.find((c) => c.name === 'latest-version')).toMatchObject({ ok: false, detail: expect.stringContaining('a newer version was written over the report') });
  });

  it('refuses bytes that differ from the digest published when the report was written', async () => {
    // Prepare
    const { location } = await writeReport();
    // An unversioned copy elsewhere: the record's digest is what it is checked against.
    store.seed(requestRecord({ ...AUDIT_REQUEST, status: 'AUDITED', updatedAt: '2026-11-28T10:42:00Z', report: { ...location, jsonVersionId: undefined, sha256: 'f'.repeat(64) } }));

    // Act
    const result = await readReport(REQUEST_ID, { reader, store });

    // Assess
    expect(result.verified).toBe(false);
    expect(result.checks.find((c) => c.name === 'published-digest')).toMatchObject({ ok: false });
  });

  it('finds a report by its key when the request record has expired', async () => {
    // Prepare
    await writeReport();
    store = new InMemoryRequestStore();

    // Act
    const result = await readReport(REQUEST_ID, { reader, store });

    // Assess
    expect(result.jsonUri).toBe(`s3://${BUCKET}/${KEY_BASE}.json`);
    expect(result.checks.find((c) => c.name === 'published-digest')).toMatchObject({ ok: null });
    expect(result.checks.find((c) => c.name === 'stored-checksum')).toMatchObject({ ok: true });
    expect(result.verified).toBe(true);
  });

  it('works without access to the request store', async () => {
    // Prepare
    await writeReport();

    // Act
    const result = await readReport(REQUEST_ID, { reader }, { accountId: '222222222222' });

    // Assess
    expect(result.verified).toBe(true);
  });

  it('says clearly when there is no report yet', async () => {
    // Act / Assess
    await expect(readReport('req-unknown-0009', { reader, store })).rejects.toMatchObject({ name: 'ReportNotFoundError', message: expect.stringContaining('req-unknown-0009') });
  });

  it('rejects a malformed request id before reading anything', async () => {
    // Act / Assess
    await expect(readReport('../../etc/passwd', { reader, store })).rejects.toMatchObject({ name: 'InvalidReportQueryError' });
    expect(s3.mock.calls()).toHaveLength(0);
  });
});
