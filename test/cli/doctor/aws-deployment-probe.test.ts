import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { GetObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetAccountCommand, GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AwsDeploymentProbe } from '../../../cli/doctor/aws-deployment-probe';
import { ProbeAccessDeniedError } from '../../../cli/doctor/deployment-probe';
import { runDoctorChecks } from '../../../cli/doctor/doctor-checks';
import { loadJitConfig } from '../../../infra/config/load-config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOneAccountConfig } from '../../live/one-account-config';

const ACCOUNT = '123456789012';
const MINT = `arn:aws:iam::${ACCOUNT}:role/jit-broker-mint`;

function awsError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('AwsDeploymentProbe', () => {
  const sts = mockClient(STSClient);
  const cfn = mockClient(CloudFormationClient);
  const ses = mockClient(SESv2Client);
  const secrets = mockClient(SecretsManagerClient);
  const iam = mockClient(IAMClient);
  const s3 = mockClient(S3Client);
  const trail = mockClient(CloudTrailClient);
  const probeClients = {
    sts: new STSClient({}),
    cloudFormation: new CloudFormationClient({}),
    sesv2: new SESv2Client({}),
    secretsManager: new SecretsManagerClient({}),
    iam: new IAMClient({}),
    s3: new S3Client({}),
    cloudTrail: new CloudTrailClient({}),
  };
  const probe = new AwsDeploymentProbe(probeClients);

  beforeEach(() => {
    for (const m of [sts, cfn, ses, secrets, iam, s3, trail]) m.reset();
  });

  it('reads a stack with DescribeStacks by name, and a missing stack as undefined', async () => {
    // Prepare
    cfn.on(DescribeStacksCommand, { StackName: 'JitBroker' }).resolves({
      Stacks: [{ StackName: 'JitBroker', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: [{ OutputKey: 'JitInstallationDigest', OutputValue: 'abc' }] }],
    });
    cfn.on(DescribeStacksCommand, { StackName: 'JitTarget-x' }).rejects(awsError('ValidationError', 'Stack with id JitTarget-x does not exist'));

    // Act / Assess
    expect(await probe.stack('JitBroker')).toEqual({ status: 'UPDATE_COMPLETE', outputs: { JitInstallationDigest: 'abc' } });
    expect(await probe.stack('JitTarget-x')).toBeUndefined();
    expect(cfn).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: 'JitBroker' });
  });

  it('reads a stack of another region with CloudFormation in that region', async () => {
    // Prepare
    const east = new CloudFormationClient({ region: 'us-east-1' });
    const cloudFormationIn = jest.fn((_region: string) => east);
    const regional = new AwsDeploymentProbe({ ...probeClients, cloudFormationIn });
    cfn.on(DescribeStacksCommand, { StackName: 'JitTarget-x-Tripwires-us-east-1' }).resolves({
      Stacks: [{ StackName: 'JitTarget-x-Tripwires-us-east-1', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [] }],
    });

    // Act
    const found = await regional.stack('JitTarget-x-Tripwires-us-east-1', 'us-east-1');

    // Assess
    expect(found).toEqual({ status: 'CREATE_COMPLETE', outputs: {} });
    expect(cloudFormationIn).toHaveBeenCalledWith('us-east-1');
    expect(cfn).toHaveReceivedCommandWith(DescribeStacksCommand, { StackName: 'JitTarget-x-Tripwires-us-east-1' });
  });

  it('reads the SES account and identities; an unknown identity is undefined', async () => {
    // Prepare
    ses.on(GetAccountCommand).resolves({ ProductionAccessEnabled: false, SendingEnabled: true });
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'a@example.com' }).resolves({ VerifiedForSendingStatus: true, VerificationStatus: 'SUCCESS' });
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'b@example.com' }).rejects(awsError('NotFoundException'));

    // Act / Assess
    expect(await probe.sesAccount()).toEqual({ productionAccessEnabled: false, sendingEnabled: true });
    expect(await probe.emailIdentity('a@example.com')).toEqual({ verifiedForSending: true, verificationStatus: 'SUCCESS' });
    expect(await probe.emailIdentity('b@example.com')).toBeUndefined();
    expect(ses).toHaveReceivedCommandWith(GetEmailIdentityCommand, { EmailIdentity: 'b@example.com' });
  });

  it('turns access denied into ProbeAccessDeniedError naming the API', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).rejects(awsError('AccessDeniedException', 'not authorized'));

    // Act / Assess
    await expect(probe.secretValue('agent/elevated/1')).rejects.toEqual(expect.any(ProbeAccessDeniedError));
    await expect(probe.secretValue('agent/elevated/1')).rejects.toMatchObject({ api: 'secretsmanager:GetSecretValue', message: 'not authorized' });
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'agent/elevated/1' });
  });

  it('reads a secret ARN with DescribeSecret', async () => {
    // Prepare
    secrets.on(DescribeSecretCommand, { SecretId: 'agent/elevated/1' }).resolves({ ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:agent/elevated/1-AbCdEf' });

    // Act / Assess
    expect(await probe.secretArn('agent/elevated/1')).toBe('arn:aws:secretsmanager:eu-west-1:1:secret:agent/elevated/1-AbCdEf');
  });

  it('decodes the URL-encoded trust policy GetRole returns', async () => {
    // Prepare
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: MINT }, Action: 'sts:AssumeRole' }] };
    iam.on(GetRoleCommand, { RoleName: 'jit-elevated-ops' }).resolves({ Role: { RoleName: 'jit-elevated-ops', Path: '/', RoleId: 'AROA', Arn: 'arn', CreateDate: new Date(), AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)) } });
    iam.on(GetRoleCommand, { RoleName: 'missing' }).rejects(awsError('NoSuchEntityException'));

    // Act / Assess
    expect(await probe.roleTrustPolicy('jit-elevated-ops')).toEqual(trust);
    expect(await probe.roleTrustPolicy('missing')).toBeUndefined();
  });

  it('simulates with the exact context entries and follows Marker', async () => {
    // Prepare
    iam
      .on(SimulatePrincipalPolicyCommand)
      .resolvesOnce({ EvaluationResults: [{ EvalActionName: 'sts:AssumeRole', EvalResourceName: 'arn:r', EvalDecision: 'allowed' }], IsTruncated: true, Marker: 'm1' })
      .resolvesOnce({ EvaluationResults: [{ EvalActionName: 'sts:SetSourceIdentity', EvalResourceName: 'arn:r', EvalDecision: 'explicitDeny' }], IsTruncated: false });

    // Act
    const results = await probe.simulate({
      principalArn: MINT,
      actions: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
      resources: ['arn:r'],
      context: [{ key: 'sts:SourceIdentity', values: ['jit-doctor-probe-0000'], type: 'string' }],
    });

    // Assess
    expect(results).toEqual([
      { action: 'sts:AssumeRole', resource: 'arn:r', decision: 'allowed' },
      { action: 'sts:SetSourceIdentity', resource: 'arn:r', decision: 'explicitDeny' },
    ]);
    expect(iam).toHaveReceivedNthCommandWith(1, SimulatePrincipalPolicyCommand, {
      PolicySourceArn: MINT,
      ActionNames: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
      ResourceArns: ['arn:r'],
      ContextEntries: [{ ContextKeyName: 'sts:SourceIdentity', ContextKeyValues: ['jit-doctor-probe-0000'], ContextKeyType: 'string' }],
    });
    expect(iam).toHaveReceivedNthCommandWith(2, SimulatePrincipalPolicyCommand, { Marker: 'm1' });
  });

  it('lists trails with shadow trails and asks each one whether it logs', async () => {
    // Prepare
    trail.on(DescribeTrailsCommand).resolves({ trailList: [{ Name: 'org', TrailARN: 'arn:aws:cloudtrail:us-east-1:1:trail/org', HomeRegion: 'us-east-1', IsMultiRegionTrail: true }] });
    trail.on(GetTrailStatusCommand).resolves({ IsLogging: true });

    // Act / Assess
    expect(await probe.trails()).toEqual([{ name: 'org', arn: 'arn:aws:cloudtrail:us-east-1:1:trail/org', homeRegion: 'us-east-1', multiRegion: true, logging: true }]);
    expect(trail).toHaveReceivedCommandWith(DescribeTrailsCommand, { includeShadowTrails: true });
    expect(trail).toHaveReceivedCommandWith(GetTrailStatusCommand, { Name: 'arn:aws:cloudtrail:us-east-1:1:trail/org' });
  });

  it('reads Object Lock; a bucket without it is "not enabled"', async () => {
    // Prepare
    s3.on(GetObjectLockConfigurationCommand, { Bucket: 'b1' }).resolves({ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 30 } } } });
    s3.on(GetObjectLockConfigurationCommand, { Bucket: 'b2' }).rejects(awsError('ObjectLockConfigurationNotFoundError'));

    // Act / Assess
    expect(await probe.objectLock('b1')).toEqual({ enabled: true, mode: 'COMPLIANCE', days: 30 });
    expect(await probe.objectLock('b2')).toEqual({ enabled: false });
  });

  describe('the trust check, with the context AWS builds for the first-hop AssumeRole', () => {
    let folder: string;
    beforeAll(() => {
      folder = mkdtempSync(join(tmpdir(), 'jit-doctor-trust-'));
    });
    afterAll(() => rmSync(folder, { recursive: true, force: true }));

    async function trustResults(conditionKey: string) {
      const loaded = loadJitConfig(writeOneAccountConfig(folder, { account: ACCOUNT, region: 'eu-west-1', email: 'ops@example.com', auditDelayMinutes: 5 }));
      sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
      const trust = {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: MINT }, Action: 'sts:AssumeRole', Condition: { StringLike: { [conditionKey]: 'jit-????????*' } } },
          { Effect: 'Allow', Principal: { AWS: MINT }, Action: 'sts:SetSourceIdentity', Condition: { StringLike: { [conditionKey]: 'jit-????????*' } } },
        ],
      };
      iam.on(GetRoleCommand).resolves({ Role: { RoleName: 'r', Path: '/', RoleId: 'AROA', Arn: 'arn', CreateDate: new Date(), AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)) } });
      // Everything else of the account: nothing deployed, so those checks fail or find nothing; only the
      // trust lines matter here.
      cfn.on(DescribeStacksCommand).rejects(awsError('ValidationError', 'Stack with id X does not exist'));
      ses.on(GetAccountCommand).resolves({ ProductionAccessEnabled: true, SendingEnabled: true });
      ses.on(GetEmailIdentityCommand).resolves({ VerifiedForSendingStatus: true });
      secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"status":"inactive"}' });
      secrets.on(DescribeSecretCommand).resolves({ ARN: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:agent/elevated/${ACCOUNT}-AbCdEf` });
      iam.on(SimulatePrincipalPolicyCommand).resolves({ EvaluationResults: [], IsTruncated: false });
      s3.on(GetObjectLockConfigurationCommand).resolves({ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } });
      trail.on(DescribeTrailsCommand).resolves({ trailList: [] });
      const results = await runDoctorChecks({ loaded, probe, now: new Date('2026-12-01T00:00:00Z') });
      return results.filter((r) => r.id.startsWith('trust:'));
    }

    it('passes a trust policy that requires sts:SourceIdentity', async () => {
      // Act / Assess
      const trust = await trustResults('sts:SourceIdentity');
      expect(trust.length).toBeGreaterThan(0);
      for (const t of trust) expect(t.status).toBe('pass');
    });

    it('fails a trust policy that requires aws:SourceIdentity, absent on the first hop, and says so', async () => {
      // Act / Assess
      const trust = await trustResults('aws:SourceIdentity');
      for (const t of trust) {
        expect(t).toMatchObject({ status: 'fail', detail: expect.stringContaining('aws:SourceIdentity, which is absent on the first-hop AssumeRole') });
      }
    });
  });
});
