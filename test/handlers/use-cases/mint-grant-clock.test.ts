import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { DescribeSecretCommand, InvalidParameterException, PutSecretValueCommand, SecretsManagerClient, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbGrantLeases } from '../../../handlers/adapters/aws/dynamodb-grant-leases';
import { DynamoDbRequestStore } from '../../../handlers/adapters/aws/dynamodb-request-store';
import { SchedulerResetScheduler } from '../../../handlers/adapters/aws/scheduler-reset-scheduler';
import { SecretsManagerVault } from '../../../handlers/adapters/aws/secrets-manager-vault';
import { StsCredentialIssuer } from '../../../handlers/adapters/aws/sts-credential-issuer';
import type { ApprovalDecision } from '../../../handlers/core/approval-decision';
import { HANDOVER_MARGIN_SECONDS, MINT_HANDOVER_SECONDS, restampedVersionId } from '../../../handlers/core/grant-window';
import { mintGrant } from '../../../handlers/use-cases/mint-grant';
import { elevationRequest } from '../../helpers/fixtures';
import { exampleSettings } from '../../helpers/synth';

const request = elevationRequest();

/**
 * The grant's clock starts when the agent can read its credentials: the secret's GrantedAt and
 * Expiration count from the moment the secret is written, not from the approval or the AssumeRole; the
 * session policy's fence, fixed at AssumeRole, closes at most MINT_HANDOVER_SECONDS after the approved
 * minutes from then.
 */
describe('mintGrant: the time box counts from the secret write', () => {
  const sts = mockClient(STSClient);
  const secrets = mockClient(SecretsManagerClient);
  const scheduler = mockClient(SchedulerClient);
  const dynamo = mockClient(DynamoDBDocumentClient);
  /** The broker's clock, moved by the fake AWS calls (each takes the time it is given). */
  let nowMs = 0;
  let assumedAtMs = 0;
  let writtenAtMs = 0;
  /** When the first write of the credentials was answered: they are readable from then at the latest. */
  let answeredAtMs = 0;
  /** How long the fake PutSecretValue takes. */
  let writeMs = 300;

  beforeEach(() => {
    sts.reset();
    secrets.reset();
    scheduler.reset();
    dynamo.reset();
    nowMs = Date.parse('2026-11-28T10:00:00.250Z');
    dynamo.on(UpdateCommand).resolves({});
    // The placeholder is current: no earlier attempt delivered a grant.
    secrets.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { 'placeholder-version': ['AWSCURRENT'] } });
    sts.on(AssumeRoleCommand).callsFake((input: { DurationSeconds: number }) => {
      assumedAtMs = nowMs;
      nowMs += 1_200;
      return {
        Credentials: { AccessKeyId: 'ASIAEXAMPLEEXAMPLE12', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(assumedAtMs + input.DurationSeconds * 1000) },
      };
    });
    // A slow scheduler (a cold start, a throttled retry): 7.4 s between the AssumeRole and the secret write.
    scheduler.on(CreateScheduleCommand).callsFake(() => {
      nowMs += 6_200;
      return {};
    });
    writeMs = 300;
    answeredAtMs = 0;
    secrets.on(PutSecretValueCommand).callsFake(() => {
      if (!answeredAtMs) writtenAtMs = nowMs;
      nowMs += writeMs;
      answeredAtMs ||= nowMs;
      return {};
    });
    secrets.on(UpdateSecretVersionStageCommand).callsFake(() => {
      nowMs += 100;
      return {};
    });
  });

  const mint = (minutes: number, role = 'Ops') => {
    const decision: ApprovalDecision = { role, minutes, approver: 'lead@example.com', decidedAt: '2026-11-28T09:59:30.000Z' };
    return mintGrant(
      { request: { ...request, role, minutes }, decision },
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
        clock: { now: () => new Date(nowMs) },
        random: { bytes: (n) => new Uint8Array(n).fill(0xab) },
        partition: 'aws',
      },
    );
  };
  const secretWritten = (write = 0) => JSON.parse(String(secrets.commandCalls(PutSecretValueCommand)[write].args[0].input.SecretString)) as { GrantedAt: string; Expiration: string; GrantId: string };
  const fenceOf = () => {
    const policy = JSON.parse(String(sts.commandCalls(AssumeRoleCommand)[0].args[0].input.Policy)) as { Statement: Array<{ Condition: { DateLessThan: Record<string, string> } }> };
    return Date.parse(policy.Statement[0].Condition.DateLessThan['aws:CurrentTime']);
  };

  it.each([1, 5, 15, 30])('gives a %i-minute grant its full minutes from the moment its secret is written', async (minutes) => {
    // Act
    const grant = await mint(minutes);

    // Assess: the secret counts from its own write (its start plus the margin, rounded up to the second),
    // not from the AssumeRole, and never from before the write was answered: one version, no restamp.
    const secret = secretWritten();
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(1);
    expect(Date.parse(secret.GrantedAt)).toBeGreaterThanOrEqual(answeredAtMs);
    expect(Date.parse(secret.GrantedAt) - writtenAtMs).toBeLessThan((HANDOVER_MARGIN_SECONDS + 1) * 1000);
    expect(Date.parse(secret.Expiration) - Date.parse(secret.GrantedAt)).toBe(minutes * 60_000);
    expect(grant).toMatchObject({ grantedAt: secret.GrantedAt, expiresAt: secret.Expiration });
    // The credentials work until the fence: never before the secret says they end, never much after.
    const fence = fenceOf();
    expect(fence).toBeGreaterThanOrEqual(Date.parse(secret.Expiration));
    expect(fence - assumedAtMs).toBeLessThanOrEqual((minutes * 60 + MINT_HANDOVER_SECONDS) * 1000);
    // And STS keeps them alive at least as long as the fence (the session is at least 15 minutes).
    const duration = Number(sts.commandCalls(AssumeRoleCommand)[0].args[0].input.DurationSeconds);
    expect(assumedAtMs + duration * 1000).toBeGreaterThanOrEqual(fence);
  });

  it('schedules the safety-net reset no earlier than the fence closes', async () => {
    await mint(15);
    const at = /^at\((.+)\)$/.exec(String(scheduler.commandCalls(CreateScheduleCommand)[0].args[0].input.ScheduleExpression))?.[1] ?? '';
    expect(Date.parse(`${at}Z`)).toBeGreaterThanOrEqual(fenceOf());
  });

  it('never says a grant lasts longer than its STS session: a 60-minute grant ends when the one-hour chained session does', async () => {
    // Act: Deploy allows 60 minutes, the most a chained role session lasts.
    await mint(60, 'Deploy');

    // Assess: STS gave 3600 s from the AssumeRole; the secret ends then at the latest.
    const secret = secretWritten();
    expect(sts.commandCalls(AssumeRoleCommand)[0].args[0].input.DurationSeconds).toBe(3600);
    expect(Date.parse(secret.Expiration)).toBeLessThanOrEqual(assumedAtMs + 3_600_000);
    expect(Date.parse(secret.Expiration)).toBeLessThanOrEqual(fenceOf());
  });

  it('never says a grant lasts past its fence, even when the handover took longer than allowed', async () => {
    // Prepare: the scheduler takes longer than the mint function may run.
    scheduler.on(CreateScheduleCommand).callsFake(() => {
      nowMs += (MINT_HANDOVER_SECONDS + 5) * 1000;
      return {};
    });

    // Act
    const grant = await mint(15);

    // Assess: the secret ends when the credentials stop working, a little short of 15 minutes.
    expect(Date.parse(secretWritten().Expiration)).toBe(fenceOf());
    expect(grant.expiresAt).toBe(secretWritten().Expiration);
  });

  it('restamps a grant whose write is answered after its clock would have started: GrantedAt never precedes the answer', async () => {
    // Prepare: the write takes longer than the margin (a throttled retry, a busy process).
    writeMs = (HANDOVER_MARGIN_SECONDS + 1.5) * 1000;

    // Act
    const grant = await mint(15);

    // Assess: the first version's GrantedAt came before its answer, so the same credentials were written
    // again as the grant's restamped version, staged, then made current only from the grant's own version.
    const first = secretWritten(0);
    expect(Date.parse(first.GrantedAt)).toBeLessThan(answeredAtMs);
    const restamp = secrets.commandCalls(PutSecretValueCommand)[1].args[0].input;
    expect(restamp).toMatchObject({ ClientRequestToken: restampedVersionId(first.GrantId), VersionStages: ['JIT_GRANT_STAGED'] });
    expect(secrets.commandCalls(UpdateSecretVersionStageCommand)[0].args[0].input).toMatchObject({
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: restampedVersionId(first.GrantId),
      RemoveFromVersionId: first.GrantId,
    });
    const restamped = secretWritten(1);
    expect(restamped).toMatchObject({ ...first, GrantedAt: restamped.GrantedAt, Expiration: restamped.Expiration });
    expect(Date.parse(restamped.GrantedAt)).toBeGreaterThanOrEqual(answeredAtMs);
    expect(Date.parse(restamped.GrantedAt) - answeredAtMs).toBeLessThan(1_000);
    expect(Date.parse(restamped.Expiration) - Date.parse(restamped.GrantedAt)).toBe(15 * 60_000);
    expect(Date.parse(restamped.Expiration)).toBeLessThanOrEqual(fenceOf());
    // The workflow waits for, and the lease ends at, the window the agent reads.
    expect(grant).toMatchObject({ grantId: first.GrantId, grantedAt: restamped.GrantedAt, expiresAt: restamped.Expiration });
    const leaseEnds = dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input.ExpressionAttributeValues?.[':expiresAt'] as string | undefined).filter(Boolean);
    expect(Date.parse(String(leaseEnds.at(-1)))).toBe(Date.parse(restamped.Expiration));
  });

  it('leaves a grant ended during its slow write ended: the restamp loses to the reset, and the grant keeps its first window', async () => {
    // Prepare: the agent's early end reset the secret between the write and the restamp.
    writeMs = (HANDOVER_MARGIN_SECONDS + 1.5) * 1000;
    secrets.on(UpdateSecretVersionStageCommand).rejects(new InvalidParameterException({ message: 'RemoveFromVersionId is not the current version', $metadata: {} }));
    secrets.on(DescribeSecretCommand).resolvesOnce({ VersionIdsToStages: { 'placeholder-version': ['AWSCURRENT'] } }).resolves({ VersionIdsToStages: { 'reset-version': ['AWSCURRENT'] } });

    // Act
    const grant = await mint(15);

    // Assess
    const first = secretWritten(0);
    expect(grant).toMatchObject({ grantedAt: first.GrantedAt, expiresAt: first.Expiration });
  });
});
