import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3ReportStore } from '../../../handlers/adapters/aws/s3-report-store';
import { sha256Hex } from '../../../handlers/core/report-digest';
import { EXIT } from '../../../cli/exit-codes';
import { runJit } from '../../../cli/main';
import { FakeAws } from '../../fakes/fake-aws';
import { writeSampleReport } from '../../helpers/audit-fixtures';
import { AUDIT_REQUEST, requestRecord } from '../../helpers/fixtures';
import { EXAMPLE_CONFIG } from '../../helpers/synth';
import { CapturedIo } from '../../helpers/captured-io';

const BUCKET = 'jitbroker-auditreportsbucket-1a2b3c';
const REQUEST_ID = 'req-audit-0001';
const KEY_BASE = `reports/222222222222/2026/11/${REQUEST_ID}`;


describe('CLI: jit report', () => {
  let aws: FakeAws;
  let io: CapturedIo;
  const s3 = new S3Client({ region: 'eu-west-1' });
  const jit = (...args: string[]) => runJit(['node', 'jit', '--config', EXAMPLE_CONFIG, ...args], { io });

  beforeEach(async () => {
    aws = new FakeAws(['222222222222', '333333333333']);
    io = new CapturedIo();
    // A report as the audit writes it, and the record that points at it.
    const { location } = await writeSampleReport(s3, BUCKET, KEY_BASE);
    aws.table.items.set(REQUEST_ID, { ...requestRecord({ ...AUDIT_REQUEST, status: 'AUDITED', updatedAt: '2026-11-28T10:42:00Z', report: location }) });
  });
  afterEach(() => aws.restore());

  it('prints the Markdown report on stdout and how it was verified on stderr', async () => {
    const code = await jit('report', REQUEST_ID);

    expect(code).toBe(EXIT.OK);
    expect(io.stdout).toMatch(/^# Elevation audit: req-audit-0001\n/);
    expect(io.stdout).toContain('## Changes (mutating calls that succeeded)');
    expect(io.stderr).toContain('✓ published-digest');
    expect(io.stderr).toMatch(/Verified: s3:\/\/.+\.json \(version .+\), SHA-256 [0-9a-f]{64}/);
  });

  it('prints the verification and the report as one JSON document with --json', async () => {
    const code = await jit('--json', 'report', REQUEST_ID);

    expect(code).toBe(EXIT.OK);
    const out = JSON.parse(io.stdout) as { verified: boolean; sha256: string; report: { requestId: string }; checks: unknown[] };
    expect(out).toMatchObject({ verified: true, report: { requestId: REQUEST_ID } });
    expect(out.sha256).toBe(sha256Hex(aws.s3.latest(`s3://${BUCKET}/${KEY_BASE}.json`)?.body ?? ''));
  });

  it('prints the original but exits 10 when something was written over the report', async () => {
    const forged = (aws.s3.latest(`s3://${BUCKET}/${KEY_BASE}.json`)?.body ?? '').replace('"mutating": 1', '"mutating": 0');
    await new S3ReportStore(s3, BUCKET).put(`${KEY_BASE}.json`, forged, 'application/json', sha256Hex(forged));

    const code = await jit('--json', 'report', REQUEST_ID);

    expect(code).toBe(EXIT.REPORT_UNVERIFIED);
    expect(JSON.parse(io.stdout)).toMatchObject({ verified: false, report: { summary: { mutating: 1 } } });
    expect(JSON.parse(io.stderr.trim().split('\n').pop() ?? '{}')).toMatchObject({ error: { code: 'REPORT_UNVERIFIED', exitCode: 10 } });
  });

  it('finds the report in the bucket when the request record has expired', async () => {
    aws.table.items.clear();

    expect(await jit('report', REQUEST_ID)).toBe(EXIT.NOT_FOUND);
    expect(io.stderr).toContain('pass --bucket');

    io = new CapturedIo();
    expect(await jit('report', REQUEST_ID, '--bucket', BUCKET)).toBe(EXIT.OK);
    expect(io.stderr).toContain('– published-digest');
    expect(io.stderr).toContain('✓ stored-checksum');
  });

  it('still verifies against S3 when the caller may not read the request table', async () => {
    aws.table.mock.on(GetCommand).rejects(Object.assign(new Error('not authorized to perform: dynamodb:GetItem'), { name: 'AccessDeniedException' }));

    const code = await jit('report', REQUEST_ID, '--bucket', BUCKET);

    expect(code).toBe(EXIT.OK);
    expect(io.stderr).toContain('cannot read the request record (AccessDeniedException)');
  });

  it('says access denied, with its own exit code, when the caller may not read the request record and names no bucket', async () => {
    // Prepare: the agent's case: the record names the report, but the agent may not read the table.
    aws.table.mock.on(GetCommand).rejects(Object.assign(new Error('not authorized to perform: dynamodb:GetItem'), { name: 'AccessDeniedException' }));

    // Act
    const code = await jit('--json', 'report', REQUEST_ID);

    // Assess
    expect(code).toBe(EXIT.REPORT_ACCESS_DENIED);
    const error = JSON.parse(io.stderr.trim().split('\n').pop() ?? '{}') as { error: { code: string; message: string; hint: string } };
    expect(error.error).toMatchObject({ code: 'REPORT_ACCESS_DENIED', message: expect.stringMatching(/^Access denied: .*request record of req-audit-0001 \(AccessDeniedException\)/) });
    expect(error.error.message).not.toMatch(/No audit report was found/);
    expect(error.error.hint).toContain('jit-auditor');
  });

  it('says access denied, with its own exit code, when S3 refuses the report itself', async () => {
    // Prepare: the record is readable, the bucket is not (an approver without the jit-auditor policy).
    aws.s3.mock.on(GetObjectCommand).rejects(Object.assign(new Error('User is not authorized to perform: s3:GetObjectVersion'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));

    // Act
    const code = await jit('report', REQUEST_ID);

    // Assess
    expect(code).toBe(EXIT.REPORT_ACCESS_DENIED);
    expect(io.stderr).toMatch(/Access denied: AWS refused to let you read the audit report of req-audit-0001 \(AccessDenied: .*s3:GetObjectVersion\)/);
    expect(io.stdout).toBe('');
  });

  it('refuses a malformed request id as a usage error', async () => {
    expect(await jit('report', 'not/a/request')).toBe(EXIT.USAGE);
    expect(io.stderr).toContain('is not a request id');
  });
});
