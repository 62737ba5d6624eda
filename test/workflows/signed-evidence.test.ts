import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { KmsPublicKeySource } from '../../handlers/adapters/aws/kms-report-signer';
import { S3ReportReader } from '../../handlers/adapters/aws/s3-report-reader';
import { auditReportSchema } from '../../handlers/core/audit-report';
import { hexToBase64, sha256Hex } from '../../handlers/core/report-digest';
import { manifestUrisOf, reportManifestSchema } from '../../handlers/core/report-manifest';
import type { ReportRecordFields } from '../../handlers/core/request-record';
import { readReport } from '../../handlers/use-cases/read-report';
import { STATE } from '../../workflows/state-names';
import type { FakeAws } from '../fakes/fake-aws';
import { PROD, newFakeAws, pendingTaskToken, requestEvent, runElevation, type RunOptions } from '../helpers/elevation-harness';

const REQUEST_ID = 'req-signed-0001';
const sfn = new SFNClient({ region: 'eu-west-1' });
const approval = () => JSON.stringify({ role: 'Ops', minutes: 5, approver: 'security-lead@example.com', decidedAt: new Date().toISOString() });
const detail = { requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 5, reason: 'Restart the stuck payment worker', plannedActions: ['ecs:UpdateService'] };
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe('Workflow: signed evidence and proofs before minting (synthesized, run locally in virtual time)', () => {
  let aws: FakeAws;
  beforeEach(() => {
    aws = newFakeAws();
  });
  afterEach(() => aws.restore());

  async function approveAndRun(options: RunOptions = {}) {
    const run = runElevation(aws, requestEvent(detail), options);
    const token = await pendingTaskToken(aws, REQUEST_ID);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: approval() }));
    return run;
  }
  const record = (): ReportRecordFields => aws.table.items.get(REQUEST_ID) as unknown as ReportRecordFields;
  const audited = () => aws.events.find((e) => e.detailType === 'Elevation Audited')?.detail ?? {};
  const deps = (withStore: boolean) => ({
    reader: new S3ReportReader(new S3Client({ region: 'eu-west-1' }), String(audited().reportUri).replace(/^s3:\/\//, '').split('/')[0]),
    publicKeys: new KmsPublicKeySource(new KMSClient({ region: 'eu-west-1' })),
    ...(withStore ? { store: { get: async () => record() } } : {}),
  });
  /** Writes a new version over an object, as someone with s3:PutObject could. */
  async function overwrite(uri: string, change: (body: string) => string) {
    const [bucket, ...key] = uri.replace(/^s3:\/\//, '').split('/');
    const body = change(aws.s3.latest(uri)?.body ?? '');
    await new S3Client({ region: 'eu-west-1' }).send(new PutObjectCommand({ Bucket: bucket, Key: key.join('/'), Body: body, ChecksumSHA256: hexToBase64(sha256Hex(body)) }));
  }
  const flipOneByte = (body: string, at: string) => {
    const i = body.indexOf(at);
    return `${body.slice(0, i)}${at.toUpperCase() === at ? at.toLowerCase() : at.toUpperCase()}${body.slice(i + at.length)}`;
  };

  it('signs the manifest with KMS; jit report verifies it, and the sandbox-like run says "not proven"', async () => {
    // Prepare: IAM Access Analyzer unreachable (the FakeAws default, as in the sandbox)
    // Act
    const result = await approveAndRun();

    // Assess
    expect(result.finalState).toBe(STATE.audited);
    const jsonUri = String(audited().reportUri);
    const report = auditReportSchema.parse(JSON.parse(aws.s3.latest(jsonUri)?.body ?? '{}'));
    expect(report.proofs?.verdict).toBe('not proven');
    expect(report.proofs?.checks.some((c) => c.status === 'pass')).toBe(false);
    // The request plans ecs:UpdateService, so its session policy is scoped: no-new-access applies and is
    // not proven either (Access Analyzer cannot be asked, though the mint holds the role's policy).
    expect(report.proofs?.checks.filter((c) => c.status === 'not-proven').map((c) => c.check)).toEqual(['validate-policy', 'no-new-access', 'access-not-granted']);
    expect(aws.s3.latest(jsonUri.replace(/\.json$/, '.md'))?.body).toContain('**Not proven**');
    expect(aws.events.find((e) => e.detailType === 'Elevation Granted')?.detail).toMatchObject({ proofs: { verdict: 'not proven' } });
    const manifest = reportManifestSchema.parse(JSON.parse(aws.s3.latest(manifestUrisOf(jsonUri).manifestUri)?.body ?? '{}'));
    expect(manifest).toMatchObject({ requestId: REQUEST_ID, report: { sha256: sha256Hex(aws.s3.latest(jsonUri)?.body ?? '') }, proofs: { verdict: 'not proven' }, signer: { algorithm: 'RSASSA_PKCS1_V1_5_SHA_256' } });
    expect(aws.kms.calls()[0]?.args[0].input).toEqual({ KeyId: manifest.signer.keyId, Message: expect.any(Uint8Array), MessageType: 'DIGEST', SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' });
    const read = await readReport(REQUEST_ID, deps(true));
    expect(read.checks.find((c) => c.name === 'manifest-signature')).toMatchObject({ ok: true });
    expect(read.checks.find((c) => c.name === 'manifest-names-report')).toMatchObject({ ok: true });
    expect(read.verified).toBe(true);
  }, 180_000);

  it('fails verification after a one-byte change to the manifest or to the report', async () => {
    // Prepare
    await approveAndRun();
    const jsonUri = String(audited().reportUri);
    const { manifestUri } = manifestUrisOf(jsonUri);

    // Act: one byte of the report changed, read by an auditor from S3 alone (S3's checksum is the writer's)
    await overwrite(jsonUri, (body) => flipOneByte(body, 'Restart'));
    const tamperedReport = await readReport(REQUEST_ID, deps(false));
    const withRecord = await readReport(REQUEST_ID, deps(true));
    // Act: one byte of the manifest changed too
    await overwrite(manifestUri, (body) => flipOneByte(body, 'Restart'));
    const tamperedManifest = await readReport(REQUEST_ID, deps(false));

    // Assess
    expect(tamperedReport.checks.find((c) => c.name === 'manifest-signature')).toMatchObject({ ok: true });
    expect(tamperedReport.checks.find((c) => c.name === 'manifest-names-report')).toMatchObject({ ok: false });
    expect(tamperedReport.verified).toBe(false);
    // With the record, the version the audit wrote is read, and the newer one is named.
    expect(withRecord.checks.find((c) => c.name === 'latest-version')).toMatchObject({ ok: false });
    expect(tamperedManifest.checks.find((c) => c.name === 'manifest-signature')).toMatchObject({ ok: false, detail: expect.stringContaining('does not verify') });
    expect(tamperedManifest.verified).toBe(false);
  }, 180_000);

  it('refuses the mint when Access Analyzer answers FAIL (proofs.onFail defaults to refuse)', async () => {
    // Prepare
    aws.analyzerAnswers = { validate: [], accessNotGranted: 'FAIL' };

    // Act
    const result = await approveAndRun();

    // Assess
    expect(result.path).not.toContain(STATE.notifyGranted);
    expect(aws.minted).toHaveLength(0);
    expect(aws.secret(PROD)).toEqual({ status: 'inactive' });
    expect(JSON.stringify(aws.events.find((e) => e.detailType === 'Elevation Failed')?.detail)).toContain('IAM Access Analyzer refused the session policy');
  }, 180_000);

  (hasOpenssl ? it : it.skip)('verifies with the documented OpenSSL steps (docs/audit.md), and fails after a one-byte change', async () => {
    // Prepare
    await approveAndRun();
    const jsonUri = String(audited().reportUri);
    const { manifestUri, signatureUri } = manifestUrisOf(jsonUri);
    const manifest = reportManifestSchema.parse(JSON.parse(aws.s3.latest(manifestUri)?.body ?? '{}'));
    const dir = mkdtempSync(join(tmpdir(), 'jit-evidence-'));
    try {
      writeFileSync(join(dir, 'manifest.json'), aws.s3.latest(manifestUri)?.body ?? '');
      writeFileSync(join(dir, 'manifest.sig.b64'), aws.s3.latest(signatureUri)?.body ?? '');
      writeFileSync(join(dir, 'report.json'), aws.s3.latest(jsonUri)?.body ?? '');
      // What `aws kms get-public-key --key-id ... --query PublicKey --output text | base64 -d` writes.
      writeFileSync(join(dir, 'public-key.der'), Buffer.from(aws.kmsModel.getPublicKey(manifest.signer.keyId).publicKey));
      const sh = (script: string) => spawnSync('sh', ['-c', script], { cwd: dir, encoding: 'utf8' });

      // Act: the steps of docs/audit.md, "Verifying the signature with OpenSSL"
      const steps = sh(
        [
          'openssl pkey -pubin -inform DER -in public-key.der -out public-key.pem',
          'openssl base64 -d -A -in manifest.sig.b64 -out manifest.sig',
          'openssl dgst -sha256 -verify public-key.pem -signature manifest.sig manifest.json',
        ].join(' && '),
      );
      const digest = execFileSync('openssl', ['dgst', '-sha256', '-r', 'report.json'], { cwd: dir, encoding: 'utf8' }).split(' ')[0];
      writeFileSync(join(dir, 'manifest.json'), flipOneByte(aws.s3.latest(manifestUri)?.body ?? '', 'Restart'));
      const tampered = sh('openssl dgst -sha256 -verify public-key.pem -signature manifest.sig manifest.json');

      // Assess
      expect(steps.stdout.trim()).toBe('Verified OK');
      expect(digest).toBe(manifest.report.sha256);
      expect(tampered.status).not.toBe(0);
      expect(tampered.stdout.trim()).toBe('Verification failure');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
