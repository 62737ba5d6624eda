import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveAwsCliFor, SandboxProcess } from './sandbox-process';

/**
 * The sandbox end to end, as a person or an agent uses it: `npm start` as a child process, driven only
 * through HTTP, the `jit` CLI and the AWS CLI (which signs its own requests with botocore, a second SigV4
 * implementation). CI installs the AWS CLI (`.ci/run`); locally the test is skipped, loudly, without it.
 */
const haveAwsCli = haveAwsCliFor('SANDBOX E2E TEST');

/**
 * Sandbox time runs 30 times faster: a 10-minute grant lasts 20 real seconds (jit judges it by the
 * sandbox's clock), and its 15-minute STS session 30, so the time fence can be seen in between.
 */
const TIME_SCALE = 30;
const PROD = '222222222222';
const SECRET = `agent/elevated/${PROD}`;

function requestEntries(requestId: string, minutes: number): string {
  const detail = JSON.stringify({ requestId, account: 'prod', role: 'Ops', minutes, reason: 'Restart the stuck payment worker' });
  return JSON.stringify([{ EventBusName: 'jit-broker', Source: 'jit.agent', DetailType: 'Elevation Requested', Detail: detail }]);
}

function parseSecret(stdout: string): Record<string, string> {
  return JSON.parse((JSON.parse(stdout) as { SecretString: string }).SecretString) as Record<string, string>;
}

(haveAwsCli ? describe : describe.skip)('Sandbox: the whole broker offline, through HTTP, jit and the AWS CLI', () => {
  let home: string;
  let sandbox: SandboxProcess;

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'jit-sandbox-e2e-'));
    sandbox = new SandboxProcess(home, TIME_SCALE);
  });
  afterAll(async () => {
    await sandbox.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('grants through the emailed link, hands over credentials, resets at expiry and audits what they did; a restart mid-grant still resets on time', async () => {
    // Prepare: the sandbox, and the agent's and the approver's env files it writes.
    await sandbox.start();
    const agent = sandbox.env('agent');

    // Act 1: the agent asks for elevation with jit (signed with the agent's key).
    const asked = await sandbox.jit('agent', [
      '--json', 'request', '--account', 'prod', '--role', 'Ops', '--minutes', '10',
      '--reason', 'Restart the stuck payment worker', '--request-id', 'req-e2e-first',
    ]);
    expect(asked.code).toBe(0);
    expect(JSON.parse(asked.stdout)).toMatchObject({ requestId: 'req-e2e-first' });

    // Act 2: the approver opens the emailed link (GET shows, changes nothing), then presses Approve (POST).
    const email = await sandbox.waitForEmail((e) => e.subject.includes('req-e2e-first') && e.text.includes('/review/'));
    const link = /(http:\/\/127\.0\.0\.1:\d+\/review\/[^\s]+)/.exec(email.text)?.[1] ?? '';
    expect(link.startsWith(`${sandbox.url}/review/req-e2e-first?c=`)).toBe(true);
    const shown = await fetch(link);
    expect(shown.status).toBe(200);
    const page = await shown.text();
    expect(page).toContain('Restart the stuck payment worker');
    // The sandbox has no IAM Access Analyzer: the email and the page say so, never "proven".
    expect(email.text).toMatch(/^ {2}Proofs: not proven \(/m);
    expect(page).toContain('<li>Proofs: not proven (');
    expect(`${email.text}${page}`).not.toMatch(/Proofs: proven|PASS validate-policy/);
    const capability = new URL(link).searchParams.get('c') ?? '';
    const decided = await fetch(link.split('?')[0], {
      method: 'POST',
      headers: { cookie: sandbox.approverCookie(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ c: capability, action: 'approve', minutes: '10' }).toString(),
    });
    expect(decided.status).toBe(200);
    const granted = await sandbox.waitForEvent('Elevation Granted', 'req-e2e-first');
    // The grant through jit creds, as an AWS profile's credential_process gets it. jit judges the expiry
    // by the sandbox's clock (10 sandbox minutes are 20 real seconds here), so it goes first.
    const process = await sandbox.jit('agent', ['creds', '--account', 'prod']);

    // Assess: the agent reads well-formed temporary credentials with the AWS CLI's GetSecretValue.
    const read = await sandbox.aws(agent, ['secretsmanager', 'get-secret-value', '--secret-id', SECRET]);
    expect(read.code).toBe(0);
    const creds = parseSecret(read.stdout);
    expect(creds).toMatchObject({ RoleName: 'AgentElevated-Ops', RequestId: 'req-e2e-first', GrantedFor: 'Restart the stuck payment worker', GrantedMinutes: 10 });
    expect(creds.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(creds.SecretAccessKey).toHaveLength(40);
    expect(creds.Expiration).toBe(granted.detail.expiresAt);
    expect(process).toMatchObject({ code: 0 });
    expect(JSON.parse(process.stdout)).toEqual({
      Version: 1,
      AccessKeyId: creds.AccessKeyId,
      SecretAccessKey: creds.SecretAccessKey,
      SessionToken: creds.SessionToken,
      Expiration: creds.Expiration,
    });

    // Act 3: the agent uses them: who am I (always allowed), a call the deny-always ceiling forbids.
    const session = { AWS_ACCESS_KEY_ID: creds.AccessKeyId, AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey, AWS_SESSION_TOKEN: creds.SessionToken, AWS_REGION: 'eu-west-1' };
    const whoami = await sandbox.aws(session, ['sts', 'get-caller-identity']);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ Account: PROD, Arn: `arn:aws:sts::${PROD}:assumed-role/AgentElevated-Ops/jit-req-e2e-first` });
    const persist = await sandbox.aws(session, ['iam', 'create-access-key', '--user-name', 'admin']);
    expect(persist.code).not.toBe(0);
    expect(persist.stderr).toMatch(/AccessDenied.*iam:CreateAccessKey.*explicit deny/);
    // The agent cannot approve itself either: its own key may not answer a task token.
    const selfApproval = await sandbox.aws(agent, ['stepfunctions', 'send-task-success', '--task-token', 'AQBforged', '--task-output', '{}']);
    expect(selfApproval.stderr).toMatch(/AccessDenied.*states:SendTaskSuccess/);

    // Assess: at expiry the secret is reset, and the same credentials are refused by the time fence.
    const ended = await sandbox.waitForEvent('Elevation Ended', 'req-e2e-first');
    expect(Date.parse(ended.time)).toBeGreaterThanOrEqual(Date.parse(creds.Expiration));
    // Before it, the notice (5 sandbox minutes ahead, docs/agent.md#before-a-grant-expires): on the events page, and
    // the approver who approved got its email in the outbox.
    const expiring = await sandbox.waitForEvent('Elevation Expiring', 'req-e2e-first');
    expect(Date.parse(expiring.time)).toBeLessThan(Date.parse(creds.Expiration));
    expect(expiring.detail).toMatchObject({ expiresAt: creds.Expiration, grantId: granted.detail.grantId, notified: 1 });
    // A sandbox minute is two real seconds here: on a busy machine the notice may go out a minute late.
    expect(await sandbox.waitForEmail((e) => /^Expiring in [45] min: Ops in prod \(request req-e2e-first\)$/.test(e.subject))).toBeDefined();
    const after = await sandbox.aws(agent, ['secretsmanager', 'get-secret-value', '--secret-id', SECRET]);
    expect(parseSecret(after.stdout)).toEqual({ status: 'inactive' });
    // The fence closes at most MINT_HANDOVER_SECONDS after the secret's Expiration (docs/architecture.md,
    // "Time box"): the workflow's reset runs at Expiration, so the copy is tried until the fence has passed.
    let fenced = await sandbox.aws(session, ['ec2', 'describe-instances']);
    for (let tries = 0; fenced.code === 0 && tries < 20; tries += 1) fenced = await sandbox.aws(session, ['ec2', 'describe-instances']);
    expect(fenced.stderr).toMatch(/AccessDenied.*ec2:DescribeInstances.*no session policy allows/);

    // Assess: the audit report, read from the sandbox over HTTP, lists what the credentials did.
    const audited = await sandbox.waitForEvent('Elevation Audited', 'req-e2e-first', 150_000);
    const { reports } = await sandbox.getJson<{ reports: string[] }>('/reports');
    const markdownKey = reports.find((k) => k.includes('req-e2e-first') && k.endsWith('.md'));
    expect(markdownKey).toBeDefined();
    const markdown = await (await fetch(`${sandbox.url}/reports/${markdownKey}`)).text();
    expect(markdown).toContain(creds.AccessKeyId);
    expect(markdown).toMatch(/GetCallerIdentity/);
    expect(markdown).toMatch(/CreateAccessKey/);
    expect(markdown).toMatch(/DescribeInstances/);
    expect(audited.detail).toMatchObject({ requestId: 'req-e2e-first' });
    // The sandbox has no IAM Access Analyzer: the report says "not proven", never "proven".
    expect(markdown).toContain('**Not proven**');
    expect(reports.filter((k) => k.includes('req-e2e-first.manifest.'))).toHaveLength(2);
    // `jit report` verifies the manifest's signature with the sandbox KMS's public key (the approver holds jit-auditor).
    const verified = await sandbox.jit('approver', ['report', 'req-e2e-first', '--json']);
    expect(verified.code).toBe(0);
    const checks = (JSON.parse(verified.stdout) as { checks: { name: string; ok: boolean | null }[] }).checks;
    expect(checks.filter((c) => c.name.startsWith('manifest-'))).toEqual([expect.objectContaining({ name: 'manifest-signature', ok: true }), expect.objectContaining({ name: 'manifest-names-report', ok: true })]);

    // Act 4: a second grant, approved from the terminal; the sandbox is killed while it is live.
    await sandbox.aws(agent, ['events', 'put-events', '--entries', requestEntries('req-e2e-second', 20)]);
    await sandbox.waitForEvent('Elevation Pending Approval', 'req-e2e-second');
    const pending = await sandbox.jit('approver', ['pending', '--json']);
    expect(JSON.parse(pending.stdout).pending.map((p: { requestId: string }) => p.requestId)).toEqual(['req-e2e-second']);
    expect(JSON.parse(pending.stdout).pending[0].proofs[0]).toMatch(/^Proofs: not proven \(IAM Access Analyzer is not reachable here \(the sandbox has none\)\)/);
    const approved = await sandbox.jit('approver', ['approve', 'req-e2e-second']);
    expect(approved).toMatchObject({ code: 0 });
    const second = await sandbox.waitForEvent('Elevation Granted', 'req-e2e-second');
    await sandbox.stop('SIGKILL');

    // Act 5: start it again on the same state; the grant still has minutes to run.
    await sandbox.start();
    const live = await sandbox.aws(agent, ['secretsmanager', 'get-secret-value', '--secret-id', SECRET]);
    expect(parseSecret(live.stdout)).toMatchObject({ RequestId: 'req-e2e-second' });

    // Assess: the resumed execution resets the secret at the grant's expiry, not before and not late.
    const secondEnded = await sandbox.waitForEvent('Elevation Ended', 'req-e2e-second');
    const lateBy = Date.parse(secondEnded.time) - Date.parse(String(second.detail.expiresAt));
    expect(lateBy).toBeGreaterThanOrEqual(0);
    expect(lateBy).toBeLessThanOrEqual(30_000);
    const reset = await sandbox.aws(agent, ['secretsmanager', 'get-secret-value', '--secret-id', SECRET]);
    expect(parseSecret(reset.stdout)).toEqual({ status: 'inactive' });
  }, 300_000);

  it('revokes a live grant from the terminal: the secret resets, jit creds fails, the role denies the session', async () => {
    // Prepare: a sandbox in real time, and a live grant.
    const realtimeHome = mkdtempSync(join(tmpdir(), 'jit-sandbox-revoke-'));
    const realtime = new SandboxProcess(realtimeHome, 1);
    try {
      await realtime.start();
      const agent = realtime.env('agent');
      const asked = await realtime.jit('agent', ['request', '--account', 'prod', '--role', 'Ops', '--minutes', '5', '--reason', 'Rotate the worker', '--request-id', 'req-e2e-revoke']);
      expect(asked.code).toBe(0);
      await realtime.waitForEvent('Elevation Pending Approval', 'req-e2e-revoke');
      expect((await realtime.jit('approver', ['approve', 'req-e2e-revoke'])).code).toBe(0);
      await realtime.waitForEvent('Elevation Granted', 'req-e2e-revoke');
      const creds = parseSecret((await realtime.aws(agent, ['secretsmanager', 'get-secret-value', '--secret-id', SECRET])).stdout);
      const session = { AWS_ACCESS_KEY_ID: creds.AccessKeyId, AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey, AWS_SESSION_TOKEN: creds.SessionToken, AWS_REGION: 'eu-west-1' };
      expect((await realtime.aws(session, ['ec2', 'describe-instances'])).code).toBe(0);

      // Act: the approver revokes it early.
      const revoked = await realtime.jit('approver', ['revoke', 'req-e2e-revoke', '--reason', 'Done early']);

      // Assess
      expect(revoked).toMatchObject({ code: 0 });
      const event = await realtime.waitForEvent('Elevation Revoked', 'req-e2e-revoke');
      expect(event.detail).toMatchObject({ revokedBy: 'arn:aws:iam::111111111111:user/jit-sandbox-approver' });
      expect(parseSecret((await realtime.aws(agent, ['secretsmanager', 'get-secret-value', '--secret-id', SECRET])).stdout)).toEqual({ status: 'inactive' });
      const after = await realtime.jit('agent', ['creds', '--account', 'prod', '--no-cache']);
      expect(after.code).not.toBe(0);
      expect(after.stderr.trim().split('\n')).toHaveLength(1);
      // Copies of the credentials stop working too: the role now denies this session's SourceIdentity.
      const copy = await realtime.aws(session, ['ec2', 'describe-instances']);
      expect(copy.stderr).toMatch(/AccessDenied.*explicit deny/);
    } finally {
      await realtime.stop();
      rmSync(realtimeHome, { recursive: true, force: true });
    }
  }, 180_000);
});
