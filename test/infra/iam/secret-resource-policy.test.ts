import { secretNameFor } from '../../../handlers/core/broker-settings';
import { BROKER_NAMES } from '../../../handlers/core/resource-names';
import { evaluate } from '../../helpers/iam-simulator';
import { iamFixture } from '../../helpers/iam-fixture';
import { identityPoliciesOfRole, secretResourcePolicy, type NamedPolicy } from '../../helpers/iam-template';

const f = iamFixture();
const secret = f.secretArn(f.prodAccount);
const resourcePolicy = secretResourcePolicy(f.broker, secretNameFor(f.prodAccount));
const secretsAdmin: NamedPolicy = {
  name: 'SecretsManagerReadWrite',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }] },
};

/** A principal in the hub account whose own policy allows every Secrets Manager action. */
function asHubPrincipal(roleArn: string, identityPolicies: NamedPolicy[] = [secretsAdmin]) {
  const session = roleArn.includes(':user/') ? roleArn : roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/') + '/session';
  return (action: string) =>
    evaluate({
      principal: session,
      action,
      resource: secret,
      identityPolicies,
      resourcePolicy,
    });
}

describe('AccountSecrets: resource policy', () => {
  const writes = ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret', 'secretsmanager:UpdateSecretVersionStage'];

  it('denies writes and reads to any other principal of the hub, even one allowed secretsmanager:*', async () => {
    const admin = asHubPrincipal(`arn:aws:iam::${f.hub}:role/PlatformAdmin`);
    for (const action of [...writes, 'secretsmanager:GetSecretValue']) await expect(admin(action)).resolves.toBe('ExplicitlyDenied');
  });

  it('denies the agent any write, even if its own policy were widened', async () => {
    const agent = asHubPrincipal(f.agentArn);
    for (const action of writes) await expect(agent(action)).resolves.toBe('ExplicitlyDenied');
    await expect(agent('secretsmanager:GetSecretValue')).resolves.toBe('Allowed');
  });

  it('lets the mint role write with its synthesized policy', async () => {
    const mintRole = f.brokerRoleArn(BROKER_NAMES.mintRole);
    const mint = asHubPrincipal(mintRole, identityPoliciesOfRole(f.broker, BROKER_NAMES.mintRole));
    await expect(mint('secretsmanager:PutSecretValue')).resolves.toBe('Allowed');
  });

  it('lets the reset role compare and swap with its synthesized policy, without reading the credentials', async () => {
    const resetRole = f.brokerRoleArn(BROKER_NAMES.resetRole);
    const reset = asHubPrincipal(resetRole, identityPoliciesOfRole(f.broker, BROKER_NAMES.resetRole));
    await expect(reset('secretsmanager:PutSecretValue')).resolves.toBe('Allowed');
    await expect(reset('secretsmanager:UpdateSecretVersionStage')).resolves.toBe('Allowed');
    await expect(reset('secretsmanager:DescribeSecret')).resolves.toBe('Allowed');
    await expect(reset('secretsmanager:GetSecretValue')).resolves.toBe('ImplicitlyDenied');
  });

  it('denies the scheduler, audit and revoke roles any write: none of them needs one', async () => {
    for (const name of [BROKER_NAMES.schedulerRole, BROKER_NAMES.auditRole, BROKER_NAMES.revokeRole]) {
      const other = asHubPrincipal(f.brokerRoleArn(name));
      await expect(other('secretsmanager:PutSecretValue')).resolves.toBe('ExplicitlyDenied');
    }
  });

  it('denies a principal of another account, whatever its own policy says', async () => {
    const outsider = evaluate({
      principal: 'arn:aws:sts::999999999999:assumed-role/Admin/x',
      action: 'secretsmanager:GetSecretValue',
      resource: secret,
      resourceAccount: f.hub,
      identityPolicies: [secretsAdmin],
      resourcePolicy,
    });
    await expect(outsider).resolves.not.toBe('Allowed');
  });

  it('leaves the secret policy and deletion to identity policies, so a stack update or delete cannot be locked out', () => {
    const denied = resourcePolicy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    for (const action of ['secretsmanager:PutResourcePolicy', 'secretsmanager:DeleteResourcePolicy', 'secretsmanager:DeleteSecret']) {
      expect(denied).not.toContain(action);
    }
  });
});
