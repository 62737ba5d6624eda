import { AssumeRoleCommand, PackedPolicyTooLargeException, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { StsCredentialIssuer } from '../../../../handlers/adapters/aws/sts-credential-issuer';
import { PlanTooLargeError } from '../../../../handlers/core/session-policy';

const input = {
  roleArn: 'arn:aws:iam::222222222222:role/AgentElevated-Ops',
  sessionName: 'jit-req-00000001',
  sourceIdentity: 'jit-req-00000001',
  durationSeconds: 900,
  sessionPolicy: '{"Version":"2012-10-17","Statement":[]}',
};

describe('StsCredentialIssuer', () => {
  const sts = mockClient(STSClient);
  afterEach(() => sts.reset());

  it('passes the session policy as AssumeRole Policy, with the source identity and duration', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIA1', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date('2026-03-01T10:15:00Z') } });

    // Act
    await new StsCredentialIssuer(new STSClient({ region: 'eu-west-1' })).assumeElevatedRole(input);

    // Assess
    expect(sts.commandCalls(AssumeRoleCommand)[0].args[0].input).toEqual({
      RoleArn: input.roleArn,
      RoleSessionName: input.sessionName,
      SourceIdentity: input.sourceIdentity,
      DurationSeconds: 900,
      Policy: input.sessionPolicy,
    });
  });

  it('turns STS PackedPolicyTooLarge into the plan refusal, naming STS\'s reason', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(new PackedPolicyTooLargeException({ message: 'Packed policy consumes 112% of allotted space, please use smaller policy.', $metadata: {} }));

    // Act
    const minting = new StsCredentialIssuer(new STSClient({ region: 'eu-west-1' })).assumeElevatedRole(input);

    // Assess
    await expect(minting).rejects.toThrow(PlanTooLargeError);
    await expect(minting).rejects.toThrow(/STS refused the plan's session policy of \d+ characters as too large once packed \(Packed policy consumes 112%/);
  });
});
