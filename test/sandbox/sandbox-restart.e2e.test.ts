import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { fromIni } from '@aws-sdk/credential-providers';
import { REPO_ROOT, SandboxProcess } from './sandbox-process';
import { EXIT } from '../../cli/exit-codes';

/**
 * The sandbox killed and started again, as a person would see it: `npm start` as a child process with
 * SIGKILL in the middle of a live grant, a request waiting for its approver, and a damaged execution file;
 * then a damaged store file. It also checks who may approve: the agent's key and env reach neither the
 * outbox nor a decision; the approver's secret and key do.
 *
 * Sandbox time runs 60 times faster (a minute lasts a second); the test's own config shortens the
 * CloudTrail delay to one minute so that the audit follows the grant closely. About 55 s on this machine
 * while others ran tests too; the timeout is four times that.
 */
const TIME_SCALE = 60;
/**
 * How late an outcome may come, in sandbox ms: five real seconds. On a machine whose two cores are shared
 * with a second test run, a step waited over a real second for a core (seen: 101 s of sandbox time late).
 */
const SLACK_MS = 5_000 * TIME_SCALE;

interface ExampleConfig {
  hub: { account: string; region: string };
  approval: { windowMinutes: number };
  roles: Array<{ name: string; policyFile: string; defaultMinutes: number; maxMinutes: number }>;
  accounts: Array<{ id: string; name: string; roles?: string[] }>;
  audit: { delayMinutes: number; maxLagMinutes: number };
}

/**
 * The example config with a one-minute CloudTrail delay and a 40-minute approval window: long enough
 * (40 real seconds) for the window to end after the restart, so that the test sees it end on time.
 */
function testConfig(folder: string): { file: string; config: ExampleConfig } {
  const config = JSON.parse(readFileSync(join(REPO_ROOT, 'jit.config.example.json'), 'utf8')) as ExampleConfig;
  config.roles = config.roles.map((r) => ({ ...r, policyFile: resolve(REPO_ROOT, r.policyFile) }));
  config.approval.windowMinutes = 40;
  config.audit.delayMinutes = 1;
  config.audit.maxLagMinutes = 4;
  const file = join(folder, 'jit.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { file, config };
}

/** The execution file of a request (executions are named by the event's id, not the request's). */
function executionFileOf(home: string, requestId: string): string {
  const folder = join(home, 'executions');
  const name = readdirSync(folder).find((f) => (JSON.parse(readFileSync(join(folder, f), 'utf8')) as { input: { detail: { requestId: string } } }).input.detail.requestId === requestId);
  if (!name) throw new Error(`No execution of ${requestId} in ${folder}`);
  return join(folder, name);
}

async function reviewLinkOf(sandbox: SandboxProcess, requestId: string): Promise<string> {
  const email = await sandbox.waitForEmail((e) => e.subject.includes(requestId) && e.text.includes('/review/'));
  return /(http:\/\/127\.0\.0\.1:\d+\/review\/\S+)/.exec(email.text)?.[1] ?? '';
}

function decide(link: string, action: 'approve' | 'deny', cookie?: string): Promise<Response> {
  return fetch(link.split('?')[0], {
    method: 'POST',
    headers: { ...(cookie ? { cookie } : {}), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ c: new URL(link).searchParams.get('c') ?? '', action }).toString(),
  });
}

describe('Sandbox: a restart keeps every lifecycle going, and only the approver approves', () => {
  let folder: string;
  let sandbox: SandboxProcess;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'jit-sandbox-restart-'));
  });
  afterAll(async () => {
    await sandbox?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('audits a grant killed mid-way, expires a request killed while pending, reports a damaged file by name and loses nothing else', async () => {
    // Prepare: the sandbox on its own config; names and minutes from that config.
    const { file: configFile, config } = testConfig(folder);
    const home = join(folder, 'home');
    sandbox = new SandboxProcess(home, TIME_SCALE, configFile);
    await sandbox.start();
    const prod = config.accounts[0];
    const role = config.roles.find((r) => !prod.roles || prod.roles.includes(r.name)) ?? config.roles[0];
    const grantMinutes = Math.min(role.maxMinutes, 30);
    const agent = sandbox.env('agent');
    const events = new EventBridgeClient({
      region: agent.AWS_REGION,
      endpoint: sandbox.url,
      // The env file names the agent's profile; its keys are in the sandbox's credentials file.
      credentials: fromIni({ profile: agent.AWS_PROFILE, filepath: agent.AWS_SHARED_CREDENTIALS_FILE, configFilepath: agent.AWS_CONFIG_FILE }),
    });
    const ask = (requestId: string, minutes: number) => ({
      EventBusName: 'jit-broker',
      Source: 'jit.agent',
      DetailType: 'Elevation Requested',
      Detail: JSON.stringify({ requestId, account: prod.name, role: role.name, minutes, reason: 'Restart the stuck payment worker' }),
    });

    // Act 1: three requests; the agent tries to approve one itself, the approver approves another.
    await events.send(new PutEventsCommand({ Entries: [ask('req-live-grant', grantMinutes), ask('req-pending', role.defaultMinutes), ask('req-damaged', role.defaultMinutes)] }));
    const pending = await sandbox.waitForEvent('Elevation Pending Approval', 'req-pending');
    await sandbox.waitForEvent('Elevation Pending Approval', 'req-damaged');
    const link = await reviewLinkOf(sandbox, 'req-pending');

    // Assess: with the agent's env (which holds no approver secret) the outbox and every decision are refused.
    expect(agent.JIT_SANDBOX_APPROVER_SECRET).toBeUndefined();
    expect(readFileSync(join(home, 'agent.env'), 'utf8')).not.toContain(sandbox.env('approver').JIT_SANDBOX_APPROVER_SECRET);
    expect((await fetch(`${sandbox.url}/outbox`)).status).toBe(401);
    expect((await fetch(`${sandbox.url}/outbox?format=json`)).status).toBe(401);
    const leaked = await decide(link, 'approve');
    expect(leaked.status).toBe(403);
    const selfApproved = await sandbox.jit('agent', ['approve', 'req-pending']);
    expect(selfApproved.code).not.toBe(0);
    expect(selfApproved.stderr).toMatch(/AccessDenied|not authorized/);
    // With the approver's secret the outbox opens; the pending request is still undecided.
    const outbox = await fetch(`${sandbox.url}/outbox?format=json`, { headers: { cookie: sandbox.approverCookie() } });
    expect(outbox.status).toBe(200);
    expect(((await outbox.json()) as { emails: Array<{ subject: string }> }).emails.some((e) => e.subject.includes('req-pending'))).toBe(true);
    const stillPending = JSON.parse((await sandbox.jit('approver', ['pending', '--json'])).stdout) as { pending: Array<{ requestId: string }> };
    expect(stillPending.pending.map((p) => p.requestId).sort()).toEqual(['req-damaged', 'req-live-grant', 'req-pending']);

    expect((await sandbox.jit('approver', ['approve', 'req-live-grant'])).code).toBe(0);
    const granted = await sandbox.waitForEvent('Elevation Granted', 'req-live-grant');
    const creds = await sandbox.jit('agent', ['creds', '--account', prod.name, '--no-cache']);
    expect(creds.code).toBe(0);

    // Act 2: the sandbox dies while the grant is live and two requests wait; one execution file is then cut short.
    await sandbox.stop('SIGKILL');
    const damagedFile = executionFileOf(home, 'req-damaged');
    const damaged = readFileSync(damagedFile, 'utf8').slice(0, 80);
    writeFileSync(damagedFile, damaged);
    await sandbox.start();
    // Sandbox time when it came back (its clock's anchor): a grant that ended meanwhile is reset at once.
    const restartedAt = (JSON.parse(readFileSync(join(home, 'clock.json'), 'utf8')) as { sandboxMs: number }).sandboxMs;

    // Assess: the start says what continued and what could not, naming the file and why.
    expect(sandbox.output).toMatch(/reconciled: 2 execution\(s\) continued, 1 could not continue/);
    expect(sandbox.output).toContain(`${damagedFile} is not valid JSON`);

    // Assess: the grant is reset at its expiry by its own execution, then audited, with a report in the bucket.
    const ended = await sandbox.waitForEvent('Elevation Ended', 'req-live-grant', 120_000);
    const expiresAt = Date.parse(String(granted.detail.expiresAt));
    expect(Date.parse(ended.time)).toBeGreaterThanOrEqual(expiresAt);
    const lateBy = Date.parse(ended.time) - Math.max(expiresAt, restartedAt);
    expect(lateBy <= SLACK_MS ? 'on time' : `late by ${lateBy} ms (expiry ${new Date(expiresAt).toISOString()}, back at ${new Date(restartedAt).toISOString()})`).toBe('on time');
    const audited = await sandbox.waitForEvent('Elevation Audited', 'req-live-grant', 120_000);
    expect(audited.detail).toMatchObject({ requestId: 'req-live-grant', reportUri: expect.stringMatching(/^s3:\/\/.+\/req-live-grant\.json$/) });
    const { requests } = await sandbox.getJson<{ requests: Array<{ requestId: string; status: string }> }>('/');
    expect(requests.find((r) => r.requestId === 'req-live-grant')?.status).toBe('AUDITED');
    const after = await sandbox.jit('agent', ['creds', '--account', prod.name, '--no-cache']);
    expect(after.code).not.toBe(0);

    // Assess: the report reads with the approver's key; the agent's is told access denied, not "not found".
    const report = await sandbox.jit('approver', ['report', 'req-live-grant']);
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/^# Elevation audit: req-live-grant/);
    const refused = await sandbox.jit('agent', ['report', 'req-live-grant']);
    expect(refused.code).toBe(EXIT.REPORT_ACCESS_DENIED);
    expect(refused.stderr).toMatch(/Access denied/);

    // Assess: the request killed while pending expires when its window ends, with its event; its link stays undecidable.
    const expired = await sandbox.waitForEvent('Elevation Approval Expired', 'req-pending', 120_000);
    const deadline = Date.parse(String(pending.detail.approvalDeadline));
    // Event times have whole seconds, and the task's window starts as it is entered, a moment before its
    // function computes the deadline it announces: the expiry may come up to a few sandbox seconds before it.
    expect(Date.parse(expired.time)).toBeGreaterThanOrEqual(deadline - 5_000);
    const expiredLateBy = Date.parse(expired.time) - Math.max(deadline, restartedAt);
    expect(expiredLateBy <= SLACK_MS ? 'on time' : `late by ${expiredLateBy} ms (deadline ${new Date(deadline).toISOString()}, back at ${new Date(restartedAt).toISOString()})`).toBe('on time');
    expect((await sandbox.getJson<{ requests: Array<{ requestId: string; status: string }> }>('/')).requests.find((r) => r.requestId === 'req-pending')?.status).toBe(
      'APPROVAL_EXPIRED',
    );

    // Assess: the damaged file is exactly as it was left.
    expect(readFileSync(damagedFile, 'utf8')).toBe(damaged);

    // Act 3: a store file cut short while the sandbox is stopped.
    await sandbox.stop();
    const storeFile = join(home, 'secretsmanager.json');
    const store = readFileSync(storeFile, 'utf8');
    writeFileSync(storeFile, store.slice(0, store.length / 2));
    const failedStart = await sandbox.start().then(
      () => '',
      (error: Error) => error.message,
    );

    // Assess: the start refuses with the file's name, and writes nothing over it.
    expect(failedStart).toMatch(/exited with 1/);
    expect(failedStart).toContain(`The sandbox cannot start: ${storeFile} is not valid JSON`);
    expect(readFileSync(storeFile, 'utf8')).toBe(store.slice(0, store.length / 2));
  }, 240_000);
});

