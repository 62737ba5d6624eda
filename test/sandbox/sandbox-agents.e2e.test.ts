import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { haveAwsCliFor, REPO_ROOT, SandboxProcess } from './sandbox-process';

/**
 * The sandbox with two configured agents, as two agent hosts use it: each has its own env file, key,
 * profiles and secrets, asks with `jit` for a different role in the same account, and reads back through
 * `jit creds`, its `jit-<account>` profile (the AWS CLI's credential_process) and GetSecretValue only
 * its own grant; the other agent's secret is refused to it.
 */
const haveAwsCli = haveAwsCliFor('SANDBOX AGENTS E2E TEST');

/** Ten times real time: a 10-minute grant lasts a real minute, long enough for every read below. */
const TIME_SCALE = 10;
const PROD = '222222222222';

/** The example config with a second agent, `ops-bot` (IAM user `jit-agent-ops-bot`). */
function twoAgentConfig(folder: string): string {
  const config = JSON.parse(readFileSync(join(REPO_ROOT, 'jit.config.example.json'), 'utf8')) as Record<string, unknown> & { roles: Array<{ policyFile: string }> };
  config.roles = config.roles.map((r) => ({ ...r, policyFile: resolve(REPO_ROOT, r.policyFile) }));
  delete config.agent;
  config.agents = [
    { id: 'default', kind: 'user', name: 'jit-agent' },
    { id: 'ops-bot', kind: 'user' },
  ];
  const file = join(folder, 'jit.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

function secretOf(stdout: string): Record<string, string> {
  return JSON.parse((JSON.parse(stdout) as { SecretString: string }).SecretString) as Record<string, string>;
}

(haveAwsCli ? describe : describe.skip)('Sandbox: every configured agent, each with its own identity, profiles and secrets', () => {
  let folder: string;
  let sandbox: SandboxProcess;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'jit-sandbox-agents-'));
  });
  afterAll(async () => {
    await sandbox?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('lets two agents hold grants in one account at once, each told on its own queue and reading only its own credentials for its own role', async () => {
    // Prepare: the sandbox on a config with two agents; each agent's env file.
    sandbox = new SandboxProcess(join(folder, 'home'), TIME_SCALE, twoAgentConfig(folder));
    await sandbox.start();
    const first = sandbox.env('agent');
    const opsBot = sandbox.env('agent-ops-bot');
    expect(opsBot).toMatchObject({ JIT_AGENT: 'ops-bot', AWS_PROFILE: 'jit-agent-ops-bot', JIT_PROFILE: 'jit-agent-ops-bot' });
    // Each agent's host has its own key only.
    expect(readFileSync(opsBot.AWS_SHARED_CREDENTIALS_FILE, 'utf8')).not.toContain(readFileSync(first.AWS_SHARED_CREDENTIALS_FILE, 'utf8').split('\n')[1]);

    // Act: each agent asks with jit, as itself, for another role in the same account; the approver approves both.
    const whoFirst = await sandbox.aws(first, ['sts', 'get-caller-identity']);
    const whoOpsBot = await sandbox.aws(opsBot, ['sts', 'get-caller-identity']);
    const askedFirst = await sandbox.jit('agent', ['request', '--account', 'prod', '--role', 'Ops', '--minutes', '10', '--reason', 'Restart the stuck payment worker', '--request-id', 'req-agents-first']);
    // ops-bot waits for its outcome on its own notification queue (jit request --wait).
    const waitingOpsBot = sandbox.jit('agent-ops-bot', ['--json', 'request', '--account', 'prod', '--role', 'Deploy', '--minutes', '10', '--reason', 'Ship the payment worker fix', '--request-id', 'req-agents-ops-bot', '--wait']);
    await sandbox.waitForEmail((e) => e.subject.includes('req-agents-first'));
    await sandbox.waitForEmail((e) => e.subject.includes('req-agents-ops-bot'));
    const approvedFirst = await sandbox.jit('approver', ['approve', 'req-agents-first']);
    const approvedOpsBot = await sandbox.jit('approver', ['approve', 'req-agents-ops-bot']);
    const askedOpsBot = await waitingOpsBot;
    const grantedFirst = await sandbox.waitForEvent('Elevation Granted', 'req-agents-first');
    const grantedOpsBot = await sandbox.waitForEvent('Elevation Granted', 'req-agents-ops-bot');
    const credsFirst = await sandbox.jit('agent', ['creds', '--account', 'prod']);
    const credsOpsBot = await sandbox.jit('agent-ops-bot', ['creds', '--account', 'prod']);
    const ownFirst = await sandbox.aws(first, ['secretsmanager', 'get-secret-value', '--secret-id', `agent/elevated/${PROD}`]);
    const ownOpsBot = await sandbox.aws(opsBot, ['secretsmanager', 'get-secret-value', '--secret-id', `agent/ops-bot/elevated/${PROD}`]);
    const othersOfFirst = await sandbox.aws(first, ['secretsmanager', 'get-secret-value', '--secret-id', `agent/ops-bot/elevated/${PROD}`]);
    const othersOfOpsBot = await sandbox.aws(opsBot, ['secretsmanager', 'get-secret-value', '--secret-id', `agent/elevated/${PROD}`]);
    // The jit-prod profile of each agent's own AWS files: the AWS CLI runs jit creds as that agent.
    const profileFirst = await sandbox.aws({ ...first, AWS_PROFILE: 'jit-prod' }, ['sts', 'get-caller-identity']);
    const profileOpsBot = await sandbox.aws({ ...opsBot, AWS_PROFILE: 'jit-prod' }, ['sts', 'get-caller-identity']);
    // ops-bot may send only with its own source: the first agent's is refused to its key.
    const spoofed = await sandbox.aws(opsBot, [
      'events', 'put-events', '--entries',
      JSON.stringify([{ EventBusName: 'jit-broker', Source: 'jit.agent', DetailType: 'Elevation Requested', Detail: JSON.stringify({ requestId: 'req-agents-spoof', account: 'prod', role: 'Ops', minutes: 5, reason: 'As the first agent' }) }]),
    ]);

    // Assess: two identities; both asked and were granted, each for its own role, in its own secret.
    expect(JSON.parse(whoFirst.stdout)).toMatchObject({ Arn: 'arn:aws:iam::111111111111:user/jit-agent' });
    expect(JSON.parse(whoOpsBot.stdout)).toMatchObject({ Arn: 'arn:aws:iam::111111111111:user/jit-agent-ops-bot' });
    expect([askedFirst.code, askedOpsBot.code, approvedFirst.code, approvedOpsBot.code]).toEqual([0, 0, 0, 0]);
    expect(askedOpsBot.stdout).toContain('req-agents-ops-bot');
    expect(askedOpsBot.stdout).toMatch(/Granted/i);
    expect(grantedFirst).toMatchObject({ detail: { role: 'Ops', agentSource: 'jit.agent' } });
    expect(grantedOpsBot).toMatchObject({ detail: { role: 'Deploy', agentSource: 'jit.agent.ops-bot' } });
    const secretFirst = secretOf(ownFirst.stdout);
    const secretOpsBot = secretOf(ownOpsBot.stdout);
    expect(secretFirst).toMatchObject({ RequestId: 'req-agents-first', RoleName: 'AgentElevated-Ops' });
    expect(secretOpsBot).toMatchObject({ RequestId: 'req-agents-ops-bot', RoleName: 'AgentElevated-Deploy' });
    expect(credsFirst.code).toBe(0);
    expect(credsOpsBot.code).toBe(0);
    expect(JSON.parse(credsFirst.stdout)).toMatchObject({ AccessKeyId: secretFirst.AccessKeyId });
    expect(JSON.parse(credsOpsBot.stdout)).toMatchObject({ AccessKeyId: secretOpsBot.AccessKeyId });
    expect(JSON.parse(profileFirst.stdout)).toMatchObject({ Arn: `arn:aws:sts::${PROD}:assumed-role/AgentElevated-Ops/jit-req-agents-first` });
    expect(JSON.parse(profileOpsBot.stdout)).toMatchObject({ Arn: `arn:aws:sts::${PROD}:assumed-role/AgentElevated-Deploy/jit-req-agents-ops-bot` });
    // Neither reads the other's grant, and ops-bot cannot ask as the first agent.
    expect(othersOfFirst.code).not.toBe(0);
    expect(othersOfFirst.stderr).toMatch(/AccessDenied/);
    expect(othersOfOpsBot.code).not.toBe(0);
    expect(othersOfOpsBot.stderr).toMatch(/AccessDenied/);
    expect(spoofed.stderr).toMatch(/AccessDenied.*events:PutEvents/);
  }, 180_000);
});
