import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateAccessKeyCommand, DeleteAccessKeyCommand, DeleteRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { DeleteBucketCommand, DeleteObjectCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { secretNameFor } from '../../handlers/core/broker-settings';
import { REVOCATION_POLICY_PREFIX } from '../../handlers/core/revocation-policy';
import { loadJitConfig, toBrokerSettings } from '../../infra/config/load-config';
import { BROKER_NAMES, DEFAULT_AGENT_NAME, STACK_NAMES, auditBucketName, targetStackName, tripwireStackName } from '../../handlers/core/resource-names';
import { separateForwarderRegions } from '../../handlers/core/tripwire-regions';
import type { CallTarget, ElevationTarget, JitRun, TargetTimeouts } from './elevation-target';
import { oneAccountConfig } from './one-account-config';

const REPO_ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);
const ACCOUNT_NAME = 'live';

/** Why the live test cannot run here, or undefined when it can (it still checks the credentials work). */
export function liveSkipReason(env: NodeJS.ProcessEnv): string | undefined {
  if (env.JIT_LIVE !== '1') return 'JIT_TARGET=aws deploys into a real AWS account and costs money; set JIT_LIVE=1 to run it (docs/deploy.md#the-live-test)';
  const hasCredentials =
    Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) ||
    existsSync(join(homedir(), '.aws', 'credentials')) ||
    existsSync(join(homedir(), '.aws', 'config'));
  if (!hasCredentials) return 'no AWS credentials (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)';
  if (!(env.AWS_REGION ?? env.AWS_DEFAULT_REGION)) return 'no region (set AWS_REGION)';
  if (!env.JIT_LIVE_EMAIL) return 'no JIT_LIVE_EMAIL: an email address SES has verified in that region (the sender and the approver)';
  return undefined;
}

/** The environment of a child process without anything AWS or jit: each holder adds its own. */
function neutralEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|JIT_)/.test(k)) env[k] = v;
  return env;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/**
 * Hub and target deployed into the one account of the caller's credentials with `npx cdk deploy` (the
 * local esbuild bundles the functions; no Docker), with a config written for that account. The agent gets
 * an access key of its own for the run; the approver is the caller. Tear-down removes the stacks and what
 * they retain on purpose (request table, audit bucket under GOVERNANCE retention, which the caller
 * bypasses), force-deletes the secret, and lists what it could not remove.
 */
export class AwsTarget implements ElevationTarget {
  readonly kind = 'aws';
  readonly accountName = ACCOUNT_NAME;
  readonly calls: CallTarget;
  readonly grantMinutes = 1;
  readonly timeouts: TargetTimeouts;
  readonly role: string;
  readonly iamRoleName: string;
  private readonly region: string;
  /** `JIT_LIVE_SECOND_REGION`: a second audited region for the tripwire case (bootstrapped, like us-east-1). */
  readonly secondRegion?: string;
  private readonly email: string;
  private readonly auditDelayMinutes: number;
  private readonly folder = mkdtempSync(join(tmpdir(), 'jit-live-'));
  private configFile = '';
  private account = '';
  private agentKey?: { accessKeyId: string; secretAccessKey: string };

  constructor(env: NodeJS.ProcessEnv) {
    this.region = String(env.AWS_REGION ?? env.AWS_DEFAULT_REGION);
    if (env.JIT_LIVE_SECOND_REGION && env.JIT_LIVE_SECOND_REGION !== this.region) this.secondRegion = env.JIT_LIVE_SECOND_REGION;
    this.email = String(env.JIT_LIVE_EMAIL);
    // CloudTrail delivers most events within about 5 minutes, without a guarantee.
    this.auditDelayMinutes = Number(env.JIT_LIVE_AUDIT_DELAY_MINUTES ?? 6);
    this.calls = { region: this.region };
    const minute = 60_000;
    this.timeouts = { pending: 3 * minute, granted: 3 * minute, ended: 5 * minute, audited: (this.auditDelayMinutes + 30) * minute, revokeApplies: 6 * minute, tripped: 15 * minute };
    const role = toBrokerSettings(oneAccountConfig({ account: '000000000000', region: this.region, email: this.email, auditDelayMinutes: 0 })).accounts[0].roles[0];
    this.role = role.name;
    this.iamRoleName = role.iamRoleName;
  }

  /** The stacks of the run, in deployment order: broker, target, then each tripwire forwarder. */
  private stackNames(): string[] {
    const config = loadJitConfig(this.configFile).config;
    const forwarders = config.tripwires ? separateForwarderRegions(this.region, config.audit.regions).map((region) => tripwireStackName(ACCOUNT_NAME, region)) : [];
    return [STACK_NAMES.broker, targetStackName(ACCOUNT_NAME), ...forwarders];
  }

  private clientConfig() {
    return { region: this.region };
  }

  private async cdk(args: string[]): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('npx', ['cdk', ...args, '--output', join(this.folder, 'cdk.out')], {
        cwd: REPO_ROOT,
        env: { ...process.env, JIT_CONFIG: this.configFile },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npx cdk ${args.join(' ')} exited ${code}`))));
    });
  }

  async setUp(): Promise<void> {
    const who = await new STSClient(this.clientConfig()).send(new GetCallerIdentityCommand({}));
    this.account = String(who.Account);
    const config = oneAccountConfig({
      account: this.account,
      region: this.region,
      email: this.email,
      accountName: ACCOUNT_NAME,
      auditDelayMinutes: this.auditDelayMinutes,
      ...(this.secondRegion ? { secondRegion: this.secondRegion } : {}),
    });
    // One day of GOVERNANCE retention: Object Lock is exercised, and tear-down may bypass it.
    this.configFile = join(this.folder, 'jit.config.json');
    writeFileSync(this.configFile, JSON.stringify({ ...config, audit: { ...config.audit, objectLock: 'GOVERNANCE', retentionDays: 1 } }, null, 2));
    loadJitConfig(this.configFile);
    // With tripwires (on in the example config) the forwarders of us-east-1 and the second region are
    // stacks of their own: those regions must be bootstrapped (docs/deploy.md#the-live-test).
    await this.cdk(['deploy', ...this.stackNames(), '--require-approval', 'never']);

    // The agent's standing identity, with a key of its own for this run; IAM keys take a moment to work.
    const key = await new IAMClient(this.clientConfig()).send(new CreateAccessKeyCommand({ UserName: DEFAULT_AGENT_NAME }));
    this.agentKey = { accessKeyId: String(key.AccessKey?.AccessKeyId), secretAccessKey: String(key.AccessKey?.SecretAccessKey) };
    const agentSts = new STSClient({ ...this.clientConfig(), credentials: this.agentKey });
    for (let attempt = 0; ; attempt++) {
      try {
        await agentSts.send(new GetCallerIdentityCommand({}));
        break;
      } catch (error) {
        if (attempt > 30) throw error;
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  async jit(holder: 'agent' | 'approver', args: readonly string[]): Promise<JitRun> {
    const env =
      holder === 'agent'
        ? { ...neutralEnv(), AWS_ACCESS_KEY_ID: this.agentKey?.accessKeyId ?? '', AWS_SECRET_ACCESS_KEY: this.agentKey?.secretAccessKey ?? '', AWS_REGION: this.region, JIT_CONFIG: this.configFile }
        : { ...process.env, JIT_CONFIG: this.configFile };
    try {
      const { stdout, stderr } = await run(process.execPath, [join(REPO_ROOT, 'bin', 'jit.js'), ...args], { cwd: this.folder, env, maxBuffer: 16 * 1024 * 1024 });
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
    }
  }

  /** `jit report` as the approver (the caller may read the audit bucket). */
  async auditReport(requestId: string): Promise<string> {
    const report = await this.jit('approver', ['report', requestId]);
    if (report.code !== 0) throw new Error(`jit report ${requestId} exited ${report.code}: ${report.stderr}`);
    return report.stdout;
  }

  async tearDown(): Promise<string[]> {
    const left: string[] = [];
    const attempt = async (what: string, step: () => Promise<void>) => {
      try {
        await step();
      } catch (error) {
        left.push(`${what}: ${errorName(error)}: ${(error as Error).message}`);
      }
    };
    const iam = new IAMClient(this.clientConfig());
    if (this.agentKey) {
      const accessKeyId = this.agentKey.accessKeyId;
      await attempt(`access key ${accessKeyId} of ${DEFAULT_AGENT_NAME}`, async () => void (await iam.send(new DeleteAccessKeyCommand({ UserName: DEFAULT_AGENT_NAME, AccessKeyId: accessKeyId }))));
    }
    if (!this.account) {
      rmSync(this.folder, { recursive: true, force: true });
      return left;
    }
    // Revocation denies are inline policies the stack does not own; IAM refuses to delete a role that has them.
    const roles = toBrokerSettings(loadJitConfig(this.configFile).config).accounts[0].roles;
    for (const role of roles) {
      await attempt(`revocation denies on ${role.iamRoleName}`, async () => {
        const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: role.iamRoleName }));
        for (const name of PolicyNames.filter((n) => n.startsWith(REVOCATION_POLICY_PREFIX))) await iam.send(new DeleteRolePolicyCommand({ RoleName: role.iamRoleName, PolicyName: name }));
      });
    }
    // Log groups are retained by the stacks (RemovalPolicy.RETAIN); note them before the stacks go.
    const logGroups: string[] = [];
    const cfn = new CloudFormationClient(this.clientConfig());
    for (const stack of [STACK_NAMES.broker, targetStackName(ACCOUNT_NAME)]) {
      await attempt(`resources of ${stack}`, async () => {
        let token: string | undefined;
        do {
          const page = await cfn.send(new ListStackResourcesCommand({ StackName: stack, ...(token ? { NextToken: token } : {}) }));
          for (const r of page.StackResourceSummaries ?? []) if (r.ResourceType === 'AWS::Logs::LogGroup' && r.PhysicalResourceId) logGroups.push(r.PhysicalResourceId);
          token = page.NextToken;
        } while (token);
      });
    }
    await attempt('the stacks (npx cdk destroy)', () => this.cdk(['destroy', ...this.stackNames().reverse(), '--force']));
    const secretName = secretNameFor(this.account);
    await attempt(`secret ${secretName}`, async () => {
      try {
        // CloudFormation schedules the deletion; the name stays taken until it is forced.
        await new SecretsManagerClient(this.clientConfig()).send(new DeleteSecretCommand({ SecretId: secretName, ForceDeleteWithoutRecovery: true }));
      } catch (error) {
        if (errorName(error) !== 'ResourceNotFoundException') throw error;
      }
    });
    await attempt(`table ${BROKER_NAMES.requestTable} (retained by the stack)`, async () => {
      try {
        await new DynamoDBClient(this.clientConfig()).send(new DeleteTableCommand({ TableName: BROKER_NAMES.requestTable }));
      } catch (error) {
        if (errorName(error) !== 'ResourceNotFoundException') throw error;
      }
    });
    const bucket = auditBucketName(this.account, this.region);
    await attempt(`audit bucket ${bucket} (retained; reports under GOVERNANCE retention — delete later with s3:BypassGovernanceRetention)`, async () => {
      const s3 = new S3Client(this.clientConfig());
      let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
      for (;;) {
        const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, ...marker }));
        for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
          await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId, BypassGovernanceRetention: true }));
        }
        if (!page.IsTruncated) break;
        marker = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
      }
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    });
    for (const group of logGroups) left.push(`log group ${group} (retained by the stack): aws logs delete-log-group --log-group-name ${group}`);
    rmSync(this.folder, { recursive: true, force: true });
    return left;
  }
}
