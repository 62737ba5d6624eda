import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DescribeSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbGrantLeases } from '../../../handlers/adapters/aws/dynamodb-grant-leases';
import { DynamoDbRequestStore } from '../../../handlers/adapters/aws/dynamodb-request-store';
import { SchedulerResetScheduler } from '../../../handlers/adapters/aws/scheduler-reset-scheduler';
import { SecretsManagerVault } from '../../../handlers/adapters/aws/secrets-manager-vault';
import { StsCredentialIssuer } from '../../../handlers/adapters/aws/sts-credential-issuer';
import type { ApprovalDecision } from '../../../handlers/core/approval-decision';
import { GRANT_RANDOM_BYTES, newGrantId, restampedVersionId } from '../../../handlers/core/grant-window';
import { elevationRequest } from '../../helpers/fixtures';
import { mintGrant } from '../../../handlers/use-cases/mint-grant';
import { exampleSettings } from '../../helpers/synth';
import { AccessAnalyzerClient, CheckAccessNotGrantedCommand, CheckNoNewAccessCommand, ValidatePolicyCommand } from '@aws-sdk/client-accessanalyzer';
import 'aws-sdk-client-mock-jest';
import { AccessAnalyzerPolicyProver } from '../../../handlers/adapters/aws/access-analyzer-policy-prover';
import { rolePermissionsOf } from '../../../handlers/core/role-permissions';

const request = elevationRequest();
const decision: ApprovalDecision = { role: 'Ops', minutes: 5, approver: 'lead@example.com', decidedAt: '2026-11-28T09:59:30.000Z' };
const now = new Date('2026-11-28T10:00:00.250Z');

describe('mintGrant with the AWS adapters', () => {
  const sts = mockClient(STSClient);
  const secrets = mockClient(SecretsManagerClient);
  const scheduler = mockClient(SchedulerClient);
  const dynamo = mockClient(DynamoDBDocumentClient);
  beforeEach(() => {
    sts.reset();
    secrets.reset();
    scheduler.reset();
    dynamo.reset();
    dynamo.on(UpdateCommand).resolves({});
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAEXAMPLEEXAMPLE12',
        SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        SessionToken: 'FwoGZXIvYXdzEXAMPLE',
        Expiration: new Date('2026-11-28T10:15:00Z'),
      },
    });
    secrets.on(PutSecretValueCommand).resolves({});
    // The placeholder is current: no earlier attempt delivered a grant.
    secrets.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { 'placeholder-version': ['AWSCURRENT'] } });
    scheduler.on(CreateScheduleCommand).resolves({});
  });

  const mint = (d: ApprovalDecision = decision, r: typeof request = request, prover?: AccessAnalyzerPolicyProver) =>
    mintGrant(
      { request: r, decision: d },
      {
        issuer: new StsCredentialIssuer(new STSClient({})),
        vault: new SecretsManagerVault(new SecretsManagerClient({})),
        scheduler: new SchedulerResetScheduler({
          client: new SchedulerClient({}),
          groupName: 'jit-broker-resets',
          resetFunctionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:reset',
          schedulerRoleArn: 'arn:aws:iam::111111111111:role/jit-broker-reset-scheduler',
        }),
        store: new DynamoDbRequestStore({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: 'jit-requests' }),
        leases: new DynamoDbGrantLeases({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: 'jit-requests' }),
        settings: exampleSettings(),
        clock: { now: () => now },
        random: { bytes: (n) => new Uint8Array(n).fill(0xab) },
        partition: 'aws',
        ...(prover ? { prover } : {}),
      },
    );

  describe("proofs against the role (IAM Access Analyzer at the SDK boundary)", () => {
    const analyzer = mockClient(AccessAnalyzerClient);
    const planned = { ...request, plannedActions: ['ecs:UpdateService', 'ecs:DescribeServices'] };
    beforeEach(() => {
      analyzer.reset();
      analyzer.on(ValidatePolicyCommand).resolves({ findings: [] });
      analyzer.on(CheckAccessNotGrantedCommand).resolves({ result: 'PASS', message: 'The policy document does not grant access.' });
    });
    afterAll(() => analyzer.restore());
    const prover = () => new AccessAnalyzerPolicyProver(new AccessAnalyzerClient({ region: 'eu-west-1' }));

    it("runs CheckNoNewAccess: the session policy passed to AssumeRole as new, the role's merged permissions policy as existing", async () => {
      // Prepare
      analyzer.on(CheckNoNewAccessCommand).resolves({ result: 'PASS', message: 'The modified permissions grant no new access.' });

      // Act
      const grant = await mint(decision, planned, prover());

      // Assess
      const policy = String(sts.commandCalls(AssumeRoleCommand)[0].args[0].input.Policy);
      expect(analyzer).toHaveReceivedCommandTimes(CheckNoNewAccessCommand, 1);
      expect(analyzer.commandCalls(CheckNoNewAccessCommand)[0].args[0].input).toEqual({
        newPolicyDocument: policy,
        existingPolicyDocument: rolePermissionsOf(exampleSettings(), 'Ops')?.json,
        policyType: 'IDENTITY_POLICY',
      });
      expect(JSON.parse(String(analyzer.commandCalls(CheckNoNewAccessCommand)[0].args[0].input.existingPolicyDocument)).Statement.at(-1).Sid).toBe('NeverEvenElevated');
      expect(grant.proofs).toEqual({
        verdict: 'proven',
        checks: [
          { check: 'validate-policy', status: 'pass' },
          { check: 'no-new-access', status: 'pass' },
          { check: 'access-not-granted', status: 'pass' },
        ],
      });
    });

    it('stops the mint on a CheckNoNewAccess FAIL before the lease or AssumeRole (proofs.onFail defaults to refuse)', async () => {
      // Prepare
      analyzer.on(CheckNoNewAccessCommand).resolves({ result: 'FAIL', message: 'The modified permissions grant new access.' });

      // Act / Assess
      await expect(mint(decision, planned, prover())).rejects.toThrow(/IAM Access Analyzer refused the session policy of req-00000001: .*FAIL no-new-access/);
      expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
      expect(dynamo).toHaveReceivedCommandTimes(UpdateCommand, 0);
    });
  });

  it('asks STS for 900 s with SourceIdentity and a session policy fenced at +5 minutes and the handover allowance', async () => {
    // Act
    await mint();

    // Assess
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: 'arn:aws:iam::222222222222:role/AgentElevated-Ops',
      RoleSessionName: 'jit-req-00000001',
      SourceIdentity: 'jit-req-00000001',
      DurationSeconds: 900,
    });
    const policy = JSON.parse(String(sts.commandCalls(AssumeRoleCommand)[0].args[0].input.Policy));
    expect(policy.Statement[0].Condition).toEqual({ DateLessThan: { 'aws:CurrentTime': '2026-11-28T10:06:00Z' } });
  });

  it('writes the seed-compatible secret as the version named by the grant id', async () => {
    // Act
    const grant = await mint();

    // Assess
    const input = secrets.commandCalls(PutSecretValueCommand)[0].args[0].input;
    expect(input.SecretId).toBe('agent/elevated/222222222222');
    expect(input.ClientRequestToken).toBe(grant.grantId);
    expect(grant.grantId).toBe(`req-00000001-${'ab'.repeat(12)}`);
    expect(JSON.parse(String(input.SecretString))).toEqual({
      AccessKeyId: 'ASIAEXAMPLEEXAMPLE12',
      SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      SessionToken: 'FwoGZXIvYXdzEXAMPLE',
      // Counted from the write (10:00:00.250) plus the handover margin, rounded up to the second: see mint-grant-clock.test.ts.
      Expiration: '2026-11-28T10:05:02Z',
      GrantedFor: 'Restart the worker',
      GrantedMinutes: 5,
      GrantedAt: '2026-11-28T10:00:02Z',
      RoleName: 'AgentElevated-Ops',
      RequestId: 'req-00000001',
      GrantId: grant.grantId,
    });
  });

  it("keeps the request's reason in GrantedFor and the approver's minutes in GrantedMinutes when the approver grants fewer", async () => {
    // Act
    await mint({ ...decision, minutes: 3 });

    // Assess
    const written = JSON.parse(String(secrets.commandCalls(PutSecretValueCommand)[0].args[0].input.SecretString));
    expect(written).toMatchObject({ GrantedFor: request.reason, GrantedMinutes: 3, Expiration: '2026-11-28T10:03:02Z' });
  });

  it('schedules a self-deleting reset at the fence before the secret is written', async () => {
    // Act
    const grant = await mint();

    // Assess
    expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
      Name: 'jit-reset-req-00000001',
      GroupName: 'jit-broker-resets',
      ScheduleExpression: 'at(2026-11-28T10:06:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
    });
    const target = scheduler.commandCalls(CreateScheduleCommand)[0].args[0].input.Target;
    expect(JSON.parse(String(target?.Input))).toEqual({
      source: 'jit.reset-schedule',
      requestId: 'req-00000001',
      accountId: '222222222222',
      grantId: grant.grantId,
      secretName: 'agent/elevated/222222222222',
    });
  });

  it('creates the reset schedule before it writes the secret', async () => {
    // Prepare
    const order: string[] = [];
    scheduler.on(CreateScheduleCommand).callsFake(() => order.push('schedule'));
    secrets.on(PutSecretValueCommand).callsFake(() => order.push('secret'));

    // Act
    await mint();

    // Assess
    expect(order).toEqual(['schedule', 'secret']);
  });

  it('records the issued access key on the request before the reset is scheduled or the secret written', async () => {
    // Prepare
    const order: string[] = [];
    dynamo.on(UpdateCommand).callsFake((input: { Key: { requestId: string } }) => order.push(input.Key.requestId.startsWith('LEASE#') ? 'lease' : 'record'));
    scheduler.on(CreateScheduleCommand).callsFake(() => order.push('schedule'));
    secrets.on(PutSecretValueCommand).callsFake(() => order.push('secret'));

    // Act
    const grant = await mint();

    // Assess
    expect(order).toEqual(['lease', 'record', 'schedule', 'secret', 'lease']);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'jit-requests',
      Key: { requestId: 'req-00000001' },
      ConditionExpression: 'attribute_exists(requestId)',
      ExpressionAttributeValues: {
        ':none': [],
        ':issued': [
          {
            accessKeyId: 'ASIAEXAMPLEEXAMPLE12',
            grantId: grant.grantId,
            roleArn: 'arn:aws:iam::222222222222:role/AgentElevated-Ops',
            sourceIdentity: 'jit-req-00000001',
            issuedAt: '2026-11-28T10:00:00Z',
            expiresAt: '2026-11-28T10:06:00Z',
            stsExpiresAt: '2026-11-28T10:15:00Z',
            // No prover in these deps: nothing is proven, and the record says so.
            proofs: expect.objectContaining({ verdict: 'not proven' }),
          },
        ],
        ':now': now.toISOString(),
      },
    });
    expect(JSON.stringify(dynamo.commandCalls(UpdateCommand)[0].args[0].input)).not.toContain('wJalrXUtnFEMI');
  });

  it('hands the credentials to nobody when they cannot be recorded', async () => {
    // Prepare
    dynamo.on(UpdateCommand).rejects(Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' }));

    // Act / Assess
    await expect(mint()).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
    expect(secrets).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  it('returns a summary without any secret material', async () => {
    // Act
    const grant = await mint();

    // Assess
    const text = JSON.stringify(grant);
    expect(text).not.toContain('wJalrXUtnFEMI');
    expect(text).not.toContain('FwoGZXIvYXdzEXAMPLE');
    expect(grant).toMatchObject({ accessKeyId: 'ASIAEXAMPLEEXAMPLE12', expiresAt: '2026-11-28T10:05:02Z', stsExpiresAt: '2026-11-28T10:15:00Z' });
  });

  it('refuses a decision above the requested minutes or an unknown role before calling STS', async () => {
    // Act / Assess: more than requested is a widening, refused first (narrow, never widen).
    await expect(mint({ ...decision, minutes: 61 })).rejects.toThrow(expect.objectContaining({ name: 'DecisionWidensRequestError', message: expect.stringMatching(/minutes: 61 is more than the 5 requested/) }));
    await expect(mint({ ...decision, role: 'Admin' })).rejects.toThrow(/role: "Admin" is not configured for account prod/);
    expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
  });

  it("takes the agent's lease for the account before AssumeRole, until the session's fence (the approved minutes plus the handover)", async () => {
    const order: string[] = [];
    dynamo.on(UpdateCommand).callsFake((input: { Key: { requestId: string } }) => order.push(input.Key.requestId.startsWith('LEASE#') ? 'lease' : 'record'));
    sts.on(AssumeRoleCommand).callsFake(() => {
      order.push('assume');
      return { Credentials: { AccessKeyId: 'ASIAEXAMPLEEXAMPLE12', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date('2026-11-28T10:15:00Z') } };
    });

    await mint();

    expect(order.slice(0, 2)).toEqual(['lease', 'assume']);
    expect(dynamo).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { requestId: 'LEASE#default#222222222222' },
      ConditionExpression: 'attribute_not_exists(requestId) OR expiresAtMs <= :nowMs OR holder = :holder',
      ExpressionAttributeValues: expect.objectContaining({ ':holder': 'req-00000001', ':expiresAt': '2026-11-28T10:06:00Z', ':nowMs': now.getTime() }),
    });
    // Once the secret is written, the lease is cut to the grant's expiry as the secret states it.
    const leaseWrites = dynamo.commandCalls(UpdateCommand).filter((c) => String(c.args[0].input.Key?.requestId).startsWith('LEASE#'));
    const written = JSON.parse(String(secrets.commandCalls(PutSecretValueCommand)[0].args[0].input.SecretString));
    expect(leaseWrites.map((c) => c.args[0].input.ExpressionAttributeValues?.[':expiresAt'])).toEqual(['2026-11-28T10:06:00Z', written.Expiration]);
  });

  it('refuses with GrantAlreadyLiveError, minting nothing, when a live grant of the same agent holds the lease', async () => {
    dynamo
      .on(UpdateCommand, { Key: { requestId: 'LEASE#default#222222222222' } })
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    dynamo.on(GetCommand).resolves({ Item: { requestId: 'LEASE#default#222222222222', holder: 'req-live-0001', expiresAt: '2026-11-28T10:20:00Z' } });

    const error = await mint().catch((e: unknown) => e);

    expect(error).toMatchObject({
      name: 'GrantAlreadyLiveError',
      message: 'a grant is live for jit-agent in 222222222222 (request req-live-0001 until 2026-11-28T10:20:00Z); end it (jit end req-live-0001) and ask again',
    });
    expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
    expect(secrets).not.toHaveReceivedCommand(PutSecretValueCommand);
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
  });

  it('passes the plan as the session policy: planned actions only, fenced in time and to the audited regions', async () => {
    // Act
    await mint(decision, { ...request, plannedActions: ['restart the worker', 'ecs:UpdateService'] });

    // Assess
    const policy = JSON.parse(String(sts.commandCalls(AssumeRoleCommand)[0].args[0].input.Policy));
    expect(policy.Statement[0]).toMatchObject({ Effect: 'Allow', Action: 'ecs:UpdateService', Resource: '*' });
    expect(policy.Statement[1]).toMatchObject({ Sid: 'JitRegionFence', Effect: 'Deny', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] } } });
  });

  it('refuses a plan too large for STS before the lease or AssumeRole, even one Register did not see', async () => {
    // Prepare: a stored request whose plan does not fit (Register refuses these; the mint checks again).
    const plannedActions = Array.from({ length: 20 }, (_, i) => `svc${i}:Act${String.fromCharCode(65 + i)}${'q'.repeat(40)}`);
    const plannedResources = Object.fromEntries(plannedActions.map((a, i) => [a, [`arn:aws:svc${i}:eu-west-1:222222222222:thing-${'r'.repeat(60)}`]]));

    // Act
    const error = await mint(decision, { ...request, plannedActions, plannedResources }).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'PlanTooLargeError', message: expect.stringContaining('STS allows 2048') });
    expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
    expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
  });

  it.each([
    ['as written', (grantId: string) => ({ [grantId]: ['AWSCURRENT'] })],
    // The earlier attempt's write was slow, so the secret holds the grant's restamped version.
    ['restamped', (grantId: string) => ({ [restampedVersionId(grantId)]: ['AWSCURRENT'], [grantId]: [] })],
  ])('returns the grant an earlier attempt already delivered (%s), without minting again', async (_shape, stages) => {
    // Prepare: the secret's current version is this request's grant, and the request records its key.
    const grantId = newGrantId(request.requestId, 'cd'.repeat(GRANT_RANDOM_BYTES));
    secrets.on(DescribeSecretCommand).resolves({ VersionIdsToStages: stages(grantId) });
    const issued = {
      accessKeyId: 'ASIAEARLIERATTEMPT01',
      grantId,
      roleArn: 'arn:aws:iam::222222222222:role/AgentElevated-Ops',
      sourceIdentity: `jit-${request.requestId}`,
      issuedAt: '2026-11-28T09:59:58Z',
      expiresAt: '2026-11-28T10:04:58Z',
      stsExpiresAt: '2026-11-28T10:14:58Z',
    };
    dynamo.on(GetCommand).resolves({ Item: { issuedCredentials: [issued] } });

    // Act
    const grant = await mint();

    // Assess
    expect(grant).toMatchObject({ grantId, accessKeyId: issued.accessKeyId, grantedAt: issued.issuedAt, expiresAt: issued.expiresAt, role: 'Ops' });
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, { Key: { requestId: request.requestId }, ProjectionExpression: 'issuedCredentials' });
    // The requesting agent's own secret is the one asked, never a name made from the account alone.
    expect(secrets).toHaveReceivedCommandWith(DescribeSecretCommand, { SecretId: 'agent/elevated/222222222222' });
    expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
    expect(secrets).not.toHaveReceivedCommand(PutSecretValueCommand);
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
  });
});
