import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CheckResult } from '../../../cli/doctor/doctor-checks';
import { EXIT } from '../../../cli/exit-codes';
import { runJit } from '../../../cli/main';
import { PLACEHOLDER_SECRET_STRING } from '../../../handlers/core/secret-value';
import { loadJitConfig, toBrokerSettings } from '../../../infra/config/load-config';
import { type RunningSandbox, startSandbox } from '../../../sandbox/sandbox';
import { trustPolicyOf } from '../../../sandbox/template/deployed-template';
import { CapturedIo } from '../../helpers/captured-io';
import { writeOneAccountConfig } from '../../live/one-account-config';

const ACCOUNT = '111111111111';
const SECRET = `agent/elevated/${ACCOUNT}`;

/**
 * `jit doctor` against the sandbox, which answers the read-only APIs it calls (DescribeStacks, SESv2
 * GetAccount/GetEmailIdentity, GetSecretValue, DescribeSecret, GetRole, SimulatePrincipalPolicy,
 * DescribeTrails/GetTrailStatus, GetObjectLockConfiguration) from the installation it runs. The CLI runs
 * in process with the sandbox's broker key in its environment (set here: the sandbox leaves process.env
 * alone), which the sandbox trusts as an administrator's.
 */
describe('jit doctor (against the sandbox)', () => {
  let home: string;
  let configFile: string;
  let sandbox: RunningSandbox;
  const savedEnv = { ...process.env };

  async function doctor(args: string[] = [], config = configFile): Promise<{ code: number; checks: CheckResult[]; io: CapturedIo }> {
    const io = new CapturedIo();
    const code = await runJit(['node', 'jit', '--json', '--endpoint', sandbox.url, '--config', config, 'doctor', ...args], { io });
    return { code, checks: (JSON.parse(io.stdout) as { checks: CheckResult[] }).checks, io };
  }

  const check = (checks: CheckResult[], id: string) => checks.find((c) => c.id === id);

  async function putSecret(value: string): Promise<void> {
    const client = new SecretsManagerClient({ region: 'eu-west-1', endpoint: sandbox.url, credentials: { accessKeyId: sandbox.keys.broker.accessKeyId, secretAccessKey: sandbox.keys.broker.secretAccessKey } });
    await client.send(new PutSecretValueCommand({ SecretId: SECRET, SecretString: value }));
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'jit-doctor-'));
    configFile = writeOneAccountConfig(home, { account: ACCOUNT, region: 'eu-west-1', email: 'approver@example.com', auditDelayMinutes: 1 });
    sandbox = await startSandbox({ home: join(home, 'sandbox'), port: 0, timeScale: 1, configFile });
    for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN']) delete process.env[name];
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: sandbox.keys.broker.accessKeyId, AWS_SECRET_ACCESS_KEY: sandbox.keys.broker.secretAccessKey });
  });
  afterAll(async () => {
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    await sandbox?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('passes every check of a fresh installation, one line each, in the order hub then target', async () => {
    // Prepare: what the trust check must find depends on the deployed trust policy's condition key.
    const roles = toBrokerSettings(loadJitConfig(configFile).config).accounts[0].roles;
    const target = [...sandbox.installation.targets.values()][0];
    const firstHopTrust = (iamRoleName: string) => JSON.stringify(trustPolicyOf(target, iamRoleName)).includes('sts:SourceIdentity');

    // Act
    const { code, checks } = await doctor();

    // Assess
    expect(checks.map((c) => c.id)).toEqual([
      'stack:JitBroker',
      'ses:sender',
      'ses:recipients',
      'secret:live',
      ...roles.map((r) => `mint:live/${r.name}`),
      'audit:object-lock',
      'agent:standing',
      'stack:JitTarget-live',
      // Tripwires (on in the example config): us-east-1's forwarder is a stack of its own there.
      'stack:JitTarget-live-Tripwires-us-east-1',
      ...roles.map((r) => `trust:live/${r.name}`),
      'trail:live',
    ]);
    for (const c of checks.filter((c) => !c.id.startsWith('trust:'))) expect(c).toMatchObject({ status: 'pass' });
    expect(check(checks, 'ses:recipients')?.detail).toBe('the account is in the SES sandbox and every approver is a verified identity');
    expect(check(checks, 'audit:object-lock')?.detail).toMatch(/under GOVERNANCE retention for \d+ days/);
    // The trust policy is judged with the first-hop context (sts:SourceIdentity, no aws:SourceIdentity):
    // a trust conditioned on aws:SourceIdentity refuses the mint, and doctor says how to fix it.
    for (const role of roles) {
      const trust = check(checks, `trust:live/${role.name}`);
      if (firstHopTrust(role.iamRoleName)) expect(trust).toMatchObject({ status: 'pass' });
      else expect(trust).toMatchObject({ status: 'fail', detail: expect.stringContaining('aws:SourceIdentity, which is absent on the first-hop AssumeRole'), fix: expect.stringContaining('npx cdk deploy JitTarget-live') });
    }
    expect(code).toBe(roles.every((r) => firstHopTrust(r.iamRoleName)) ? EXIT.OK : EXIT.DOCTOR_FAILED);
  });

  it('fails the secret check, with its fix, when a secret still holds expired credentials', async () => {
    // Prepare: credentials the reset should have removed.
    await putSecret(
      JSON.stringify({
        AccessKeyId: 'ASIAEXAMPLEEXAMPLE00',
        SecretAccessKey: 'x'.repeat(40),
        SessionToken: 'token',
        Expiration: '2020-01-01T00:15:00Z',
        GrantedFor: 'restart ECS service',
        GrantedMinutes: 15,
        GrantedAt: '2020-01-01T00:00:00Z',
        RoleName: 'AgentElevated-Ops',
        RequestId: 'req-stale-grant',
        GrantId: 'req-stale-grant.000000000000000000000000',
      }),
    );
    try {
      // Act
      const { code, checks, io } = await doctor();

      // Assess
      expect(code).toBe(EXIT.DOCTOR_FAILED);
      expect(check(checks, 'secret:live')).toEqual({
        id: 'secret:live',
        status: 'fail',
        detail: `${SECRET} holds credentials of req-stale-grant that expired at 2020-01-01T00:15:00Z: the reset did not run`,
        fix: expect.stringContaining('jit revoke <requestId>'),
      });
      expect(JSON.parse(io.stderr.trim())).toMatchObject({ error: { code: 'DOCTOR_FAILED', exitCode: 19, failed: expect.arrayContaining(['secret:live']) } });
    } finally {
      await putSecret(PLACEHOLDER_SECRET_STRING);
    }
  });

  it('fails the stack checks when the stacks were deployed from another config, and prints each fix', async () => {
    // Prepare: the same installation, but the operator has since changed the config.
    const changed = join(home, 'changed.config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as { approval: { windowMinutes: number } };
    config.approval.windowMinutes += 5;
    writeFileSync(changed, JSON.stringify(config));
    const io = new CapturedIo();

    // Act
    const code = await runJit(['node', 'jit', '--endpoint', sandbox.url, '--config', changed, 'doctor'], { io });

    // Assess: text output, one line per check and a fix line under each failure.
    expect(code).toBe(EXIT.DOCTOR_FAILED);
    expect(io.stdout).toMatch(/^FAIL {2}stack:JitBroker: JitBroker was deployed from another config or policy files \(digest [0-9a-f]{16}, this config [0-9a-f]{16}\)\n {6}fix: Deploy the current config: npx cdk deploy JitBroker/m);
    expect(io.stdout).toMatch(/^FAIL {2}stack:JitTarget-live: .*\n {6}fix: Deploy the current config: npx cdk deploy JitTarget-live/m);
    expect(io.stdout).toMatch(/^PASS {2}ses:sender: the sender approver@example.com is verified for sending$/m);
    expect(io.stderr).toContain('jit: ');
  });

  it('fails the check of a tripwire forwarder stack that was never deployed in its region, and says to bootstrap the region', async () => {
    // Prepare: a second audited region, whose forwarder the sandbox's installation does not have.
    const changed = join(home, 'second-region.config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as { audit: { regions: string[] } };
    config.audit.regions = [...config.audit.regions, 'eu-central-1'];
    writeFileSync(changed, JSON.stringify(config));

    // Act
    const { code, checks } = await doctor([], changed);

    // Assess
    expect(code).toBe(EXIT.DOCTOR_FAILED);
    expect(check(checks, 'stack:JitTarget-live-Tripwires-eu-central-1')).toEqual({
      id: 'stack:JitTarget-live-Tripwires-eu-central-1',
      status: 'fail',
      detail: 'no stack JitTarget-live-Tripwires-eu-central-1 in this account in eu-central-1',
      fix: 'Deploy it: npx cdk deploy JitTarget-live-Tripwires-eu-central-1 (the region must be bootstrapped first: npx cdk bootstrap aws://<account>/eu-central-1) (docs/deploy.md).',
    });
    // us-east-1's is deployed (from the other config, so its digest differs).
    expect(check(checks, 'stack:JitTarget-live-Tripwires-us-east-1')).toMatchObject({ status: 'fail', detail: expect.stringContaining('deployed from another config') });
  });

  it('skips, and says with whose credentials to run them, the checks the agent may not make; the agent reads its secret', async () => {
    // Prepare: the agent's key instead of the administrator's.
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = sandbox.keys.agent.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = sandbox.keys.agent.secretAccessKey;
    try {
      // Act
      const { code, checks } = await doctor();

      // Assess
      expect(code).toBe(EXIT.OK);
      expect(check(checks, 'secret:live')).toMatchObject({ status: 'pass', detail: `${SECRET} holds the placeholder` });
      expect(check(checks, 'stack:JitBroker')).toMatchObject({ status: 'skip', detail: expect.stringContaining('may not call cloudformation:DescribeStacks'), fix: expect.stringContaining('administrator') });
      expect(check(checks, 'agent:standing')).toMatchObject({ status: 'skip' });
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });
});

describe('jit doctor with several agents (against the sandbox)', () => {
  let home: string;
  let configFile: string;
  let sandbox: RunningSandbox;
  const savedEnv = { ...process.env };

  async function doctor(args: string[] = []): Promise<{ code: number; checks: CheckResult[] }> {
    const io = new CapturedIo();
    const code = await runJit(['node', 'jit', '--json', '--endpoint', sandbox.url, '--config', configFile, ...args, 'doctor'], { io });
    return { code, checks: (JSON.parse(io.stdout) as { checks: CheckResult[] }).checks };
  }

  beforeAll(async () => {
    // A second agent, ops-bot (IAM user jit-agent-ops-bot), next to the first.
    home = mkdtempSync(join(tmpdir(), 'jit-doctor-agents-'));
    configFile = writeOneAccountConfig(home, { account: ACCOUNT, region: 'eu-west-1', email: 'approver@example.com', auditDelayMinutes: 1 });
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    delete config.agent;
    config.agents = [{ id: 'default', kind: 'user' }, { id: 'ops-bot', kind: 'user' }];
    writeFileSync(configFile, JSON.stringify(config));
    sandbox = await startSandbox({ home: join(home, 'sandbox'), port: 0, timeScale: 1, configFile });
    for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'JIT_AGENT']) delete process.env[name];
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: sandbox.keys.broker.accessKeyId, AWS_SECRET_ACCESS_KEY: sandbox.keys.broker.secretAccessKey });
  });
  afterAll(async () => {
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    await sandbox?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("checks every agent's secrets and standing permissions, or only the one named with --agent", async () => {
    // Act
    const all = await doctor();
    const one = await doctor(['--agent', 'ops-bot']);

    // Assess: both agents' checks pass; --agent narrows them to ops-bot's.
    expect(all.code).toBe(EXIT.OK);
    const agentIds = (checks: CheckResult[]) => checks.map((c) => c.id).filter((id) => id.startsWith('secret:') || id.startsWith('agent:'));
    expect(agentIds(all.checks)).toEqual(['secret:live', 'secret:ops-bot/live', 'agent:standing', 'agent:ops-bot:standing']);
    expect(all.checks.find((c) => c.id === 'secret:ops-bot/live')).toMatchObject({ status: 'pass', detail: `agent/ops-bot/elevated/${ACCOUNT} holds the placeholder` });
    expect(all.checks.find((c) => c.id === 'agent:ops-bot:standing')).toMatchObject({ status: 'pass', detail: expect.stringContaining(`arn:aws:iam::${ACCOUNT}:user/jit-agent-ops-bot has exactly its standing permissions`) });
    expect(one.code).toBe(EXIT.OK);
    expect(agentIds(one.checks)).toEqual(['secret:ops-bot/live', 'agent:ops-bot:standing']);
  });
});
