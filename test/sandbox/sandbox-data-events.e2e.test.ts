import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { haveAwsCliFor, REPO_ROOT, SandboxProcess } from './sandbox-process';

/**
 * Data events through the whole sandbox (docs/audit.md#data-events, docs/sandbox.md): with
 * `accounts[].dataEventTrail` configured, the agent's S3 object calls (data events, which LookupEvents never
 * returns) are delivered by the sandbox's trail as gzip log files in CloudTrail's S3 layout, the audit reads
 * them through the target account's audit reader role, and the report lists them with `category: "data"`.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
 */
const haveAwsCli = haveAwsCliFor('SANDBOX DATA EVENTS E2E TEST');

/** Twenty times real time: the 5-minute grant lasts 15 real seconds (time for the calls); its 15-minute STS session and the audit about a minute. */
const TIME_SCALE = 20;
const PROD = '222222222222';
const TRAIL_BUCKET = 'jit-sandbox-trail-222222222222';
const REQUEST = 'req-data-events-e2e';

function dataEventConfig(folder: string): string {
  const config = JSON.parse(readFileSync(join(REPO_ROOT, 'jit.config.example.json'), 'utf8')) as Record<string, unknown> & {
    roles: Array<{ policyFile: string }>;
    accounts: Array<Record<string, unknown>>;
    audit: { delayMinutes: number; maxLagMinutes: number };
  };
  config.roles = config.roles.map((r) => ({ ...r, policyFile: resolve(REPO_ROOT, r.policyFile) }));
  config.accounts[0] = { ...config.accounts[0], dataEventTrail: { bucket: TRAIL_BUCKET, prefix: 'trails' } };
  config.audit.delayMinutes = 1;
  config.audit.maxLagMinutes = 6;
  const file = join(folder, 'jit.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Every file under a folder, recursively, relative to it. */
function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

(haveAwsCli ? describe : describe.skip)('Sandbox: the audit reads S3 data events from the trail log files', () => {
  let folder: string;
  let sandbox: SandboxProcess;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'jit-sandbox-data-events-'));
  });
  afterAll(async () => {
    await sandbox?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('delivers the S3 GetObject and PutObject of a grant as log files, and the report lists them as data events', async () => {
    // Prepare: a granted request; the agent copies the credentials out of its secret.
    sandbox = new SandboxProcess(join(folder, 'home'), TIME_SCALE, dataEventConfig(folder));
    await sandbox.start();
    const agent = sandbox.env('agent');
    await sandbox.jit('agent', ['request', '--account', 'prod', '--role', 'Ops', '--minutes', '5', '--reason', 'Fetch the stuck invoice', '--request-id', REQUEST]);
    await sandbox.waitForEmail((e) => e.subject.includes(REQUEST));
    await sandbox.jit('approver', ['approve', REQUEST]);
    await sandbox.waitForEvent('Elevation Granted', REQUEST);
    const read = await sandbox.aws(agent, ['secretsmanager', 'get-secret-value', '--secret-id', `agent/elevated/${PROD}`]);
    const creds = JSON.parse((JSON.parse(read.stdout) as { SecretString: string }).SecretString) as Record<string, string>;
    const copy = { AWS_ACCESS_KEY_ID: creds.AccessKeyId, AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey, AWS_SESSION_TOKEN: creds.SessionToken, AWS_REGION: 'eu-west-1' };
    const upload = join(folder, 'invoice.txt');
    writeFileSync(upload, 'invoice 1\n');

    // Act: S3 object calls (data events) and one management call, with the grant's credentials.
    const put = await sandbox.aws(copy, ['s3api', 'put-object', '--bucket', 'payments-invoices', '--key', 'invoices/1.txt', '--body', upload]);
    const get = await sandbox.aws(copy, ['s3api', 'get-object', '--bucket', 'payments-invoices', '--key', 'invoices/1.txt', join(folder, 'out.txt')]);
    const describeCall = await sandbox.aws(copy, ['ec2', 'describe-instances']);
    const audited = await sandbox.waitForEvent('Elevation Audited', REQUEST, 150_000);
    const report = await sandbox.jit('approver', ['report', REQUEST, '--json']);

    // Assess: the calls were allowed by the Ops role.
    expect([put.code, get.code, describeCall.code]).toEqual([0, 0, 0]);
    // The trail delivered gzip log files in CloudTrail's layout into the trail bucket.
    const logFiles = filesUnder(join(sandbox.home, 's3', TRAIL_BUCKET)).map((f) => decodeURIComponent(f.slice(f.lastIndexOf('/') + 1)));
    const pattern = new RegExp(`^trails/AWSLogs/${PROD}/CloudTrail/eu-west-1/\\d{4}/\\d{2}/\\d{2}/${PROD}_CloudTrail_eu-west-1_\\d{8}T\\d{4}Z_[A-Za-z0-9]{16}\\.json\\.gz\\.`);
    expect(logFiles.filter((f) => pattern.test(f)).length).toBeGreaterThanOrEqual(1);
    const delivered = filesUnder(join(sandbox.home, 's3', TRAIL_BUCKET))
      .flatMap((f) => (JSON.parse(gunzipSync(readFileSync(f)).toString('utf8')) as { Records: Array<{ eventName: string; eventCategory: string; userIdentity: { accessKeyId?: string } }> }).Records)
      .filter((r) => r.userIdentity.accessKeyId === creds.AccessKeyId);
    expect(delivered.map((r) => [r.eventName, r.eventCategory]).sort()).toEqual([
      ['GetObject', 'Data'],
      ['PutObject', 'Data'],
    ]);
    // The report lists the data events next to the management call, and says it read data events.
    expect(audited.detail).toMatchObject({ requestId: REQUEST, complete: true });
    expect(report.code).toBe(0);
    const parsed = JSON.parse(report.stdout) as {
      report: {
        actions: Array<{ action: string; iamAction: string; category?: string; resources: string[]; flags: string[] }>;
        coverage: { read: string[] };
        collection: { dataEvents?: Array<{ region: string; objects: number; events: number; complete: boolean }> };
      };
    };
    const actions = parsed.report.actions;
    expect(actions.filter((a) => a.category === 'data').map((a) => [a.iamAction, a.resources])).toEqual([
      ['s3:PutObject', ['arn:aws:s3:::payments-invoices/invoices/1.txt']],
      ['s3:GetObject', ['arn:aws:s3:::payments-invoices/invoices/1.txt']],
    ]);
    expect(actions.find((a) => a.action === 'PutObject')?.flags).toContain('mutating');
    expect(actions.find((a) => a.action === 'DescribeInstances')).toMatchObject({ category: 'management' });
    expect(parsed.report.coverage.read).toEqual(['management', 'data']);
    expect(parsed.report.collection.dataEvents?.find((d) => d.region === 'eu-west-1')).toMatchObject({ events: 2, complete: true });
    // The signed manifest records that data events were read, and its trail digest covers them.
    const { reports } = await sandbox.getJson<{ reports: string[] }>('/reports');
    const manifestKey = reports.find((k) => k.includes(REQUEST) && k.endsWith('.manifest.json'));
    const manifest = (await (await fetch(`${sandbox.url}/reports/${manifestKey}`)).json()) as { trail: { events: number; dataEvents?: { read: boolean; events: number; objects: number } } };
    expect(manifest.trail).toMatchObject({ events: actions.length, dataEvents: { read: true, events: 2 } });
    expect(manifest.trail.dataEvents?.objects).toBeGreaterThanOrEqual(2);
  }, 240_000);
});
