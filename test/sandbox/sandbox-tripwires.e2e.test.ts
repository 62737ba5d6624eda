import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { haveAwsCliFor, REPO_ROOT, SandboxProcess } from './sandbox-process';

/**
 * Tripwires through the whole sandbox (docs/security-model.md#tripwires, docs/sandbox.md#tripwires-in-the-sandbox):
 * with `tripwires` configured, the agent's copied credentials attempt a deny-listed call, signed with
 * them over the sandbox's HTTP API. The call is recorded in the target account's trail, forwarded to the
 * broker's bus as "AWS API Call via CloudTrail", trips the deny-list rule, and the grant is revoked:
 * `Elevation Tripped` reaches the agent's queue and a later call with the same copy is refused.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 */
const haveAwsCli = haveAwsCliFor('SANDBOX TRIPWIRES E2E TEST');

/** Ten times real time: the 10-minute grant lasts a real minute, far longer than the trip takes. */
const TIME_SCALE = 10;
const PROD = '222222222222';
const REQUEST = 'req-tripwire-e2e';

/** The example config with tripwires on, at their defaults (the blog's ceiling is the deny list). */
function tripwireConfig(folder: string): string {
  const config = JSON.parse(readFileSync(join(REPO_ROOT, 'jit.config.example.json'), 'utf8')) as Record<string, unknown> & { roles: Array<{ policyFile: string }> };
  config.roles = config.roles.map((r) => ({ ...r, policyFile: resolve(REPO_ROOT, r.policyFile) }));
  config.tripwires = {};
  const file = join(folder, 'jit.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

(haveAwsCli ? describe : describe.skip)('Sandbox: a tripwire ends the grant whose copied credentials attempt a deny-listed call', () => {
  let folder: string;
  let sandbox: SandboxProcess;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'jit-sandbox-tripwires-'));
  });
  afterAll(async () => {
    await sandbox?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('records and forwards the call, revokes within a sandbox minute, tells the agent, and refuses the copy afterwards', async () => {
    // Prepare: the sandbox with tripwires; a granted request; the agent copies the credentials out of its secret.
    sandbox = new SandboxProcess(join(folder, 'home'), TIME_SCALE, tripwireConfig(folder));
    await sandbox.start();
    const agent = sandbox.env('agent');
    const asked = await sandbox.jit('agent', ['request', '--account', 'prod', '--role', 'Ops', '--minutes', '10', '--reason', 'Restart the stuck payment worker', '--request-id', REQUEST]);
    await sandbox.waitForEmail((e) => e.subject.includes(REQUEST));
    const approved = await sandbox.jit('approver', ['approve', REQUEST]);
    await sandbox.waitForEvent('Elevation Granted', REQUEST);
    const read = await sandbox.aws(agent, ['secretsmanager', 'get-secret-value', '--secret-id', `agent/elevated/${PROD}`]);
    const creds = JSON.parse((JSON.parse(read.stdout) as { SecretString: string }).SecretString) as Record<string, string>;
    const copy = { AWS_ACCESS_KEY_ID: creds.AccessKeyId, AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey, AWS_SESSION_TOKEN: creds.SessionToken, AWS_REGION: 'eu-west-1' };
    // The copy works for what the Ops role allows, before anything trips.
    const before = await sandbox.aws(copy, ['ec2', 'describe-instances']);

    // Act: the copy attempts a deny-listed call (ec2:TerminateInstances, in the blog's ceiling).
    const terminate = await sandbox.aws(copy, ['ec2', 'terminate-instances', '--instance-ids', 'i-0123456789abcdef0']);
    const tripped = await sandbox.waitForEvent('Elevation Tripped', REQUEST);
    const after = await sandbox.aws(copy, ['ec2', 'describe-instances']);
    const queue = await sandbox.aws(agent, ['sqs', 'get-queue-url', '--queue-name', 'jit-agent-notifications']);
    const queueUrl = (JSON.parse(queue.stdout) as { QueueUrl: string }).QueueUrl;
    const told: Array<{ 'detail-type': string; detail: Record<string, unknown> }> = [];
    for (let polls = 0; polls < 10 && !told.some((e) => e['detail-type'] === 'Elevation Tripped'); polls += 1) {
      const received = await sandbox.aws(agent, ['sqs', 'receive-message', '--queue-url', queueUrl, '--max-number-of-messages', '10', '--wait-time-seconds', '1']);
      const messages = received.stdout ? ((JSON.parse(received.stdout) as { Messages?: Array<{ Body: string }> }).Messages ?? []) : [];
      told.push(...messages.map((m) => JSON.parse(m.Body) as { 'detail-type': string; detail: Record<string, unknown> }));
    }

    // Assess: asked, approved, and the copy worked until the trip.
    expect([asked.code, approved.code, read.code, before.code]).toEqual([0, 0, 0, 0]);
    // The deny-listed call is refused by the ceiling, and recorded in the target account's trail.
    expect(terminate.code).not.toBe(0);
    expect(terminate.stderr).toMatch(/AccessDenied.*ec2:TerminateInstances/);
    // The local trail: one JSON-lines file per account (sandbox/services/trail-store.ts).
    const trail = readFileSync(join(sandbox.home, 'trail', `${PROD}.jsonl`), 'utf8').split('\n').filter(Boolean)
      .map((line) => JSON.parse(line) as { eventName: string; eventID: string; userIdentity: { accessKeyId?: string } });
    const recorded = trail.find((e) => e.eventName === 'TerminateInstances' && e.userIdentity.accessKeyId === creds.AccessKeyId);
    expect(recorded).toBeDefined();
    // It reached the broker's bus as the target account's tripwire rule delivers it.
    const forwarded = (await sandbox.events()).find((e) => e['detail-type'] === 'AWS API Call via CloudTrail' && (e.detail as { eventName?: string }).eventName === 'TerminateInstances');
    expect(forwarded).toMatchObject({ source: 'aws.ec2', detail: { eventID: recorded?.eventID, errorCode: 'AccessDenied', userIdentity: { sessionContext: { sourceIdentity: `jit-${REQUEST}` } } } });
    // It tripped the deny-list rule, and the grant was revoked within one minute of sandbox time of the call.
    expect(tripped.detail).toMatchObject({ requestId: REQUEST, rule: 'deny-listed-action', call: { iamAction: 'ec2:TerminateInstances', errorCode: 'AccessDenied' } });
    const callTime = Date.parse(String((forwarded?.detail as { eventTime: string }).eventTime));
    expect(Date.parse(tripped.time) - callTime).toBeLessThan(60_000);
    const status = await sandbox.jit('approver', ['--json', 'status', REQUEST]);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'REVOKED' });
    // The agent was told on its own queue.
    expect(told.find((e) => e['detail-type'] === 'Elevation Tripped')).toMatchObject({ detail: { requestId: REQUEST, rule: 'deny-listed-action' } });
    // The same copy is refused from then on, though the STS session has not expired.
    expect(Date.parse(creds.Expiration)).toBeGreaterThan(Date.parse(tripped.time));
    expect(after.code).not.toBe(0);
    expect(after.stderr).toMatch(/AccessDenied.*ec2:DescribeInstances/);
  }, 180_000);
});
