import { BROKER_NAMES, TARGET_NAMES } from '../../../infra/naming';
import { evaluate } from '../../helpers/iam-simulator';
import { iamFixture } from '../../helpers/iam-fixture';
import { identityPoliciesOfRole, trustPolicyOf, type NamedPolicy } from '../../helpers/iam-template';

const f = iamFixture();
const account = f.prodAccount;
/** Whatever the caller's own policy says, only the trust policy decides who gets in. */
const mayAssumeAnything: NamedPolicy = {
  name: 'MayAssumeAnything',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: '*' }] },
};

function assume(principal: string, roleName: string, action = 'sts:AssumeRole', context: Record<string, string> = {}) {
  return evaluate({
    principal,
    action,
    resource: `arn:aws:iam::${account}:role/${roleName}`,
    resourceAccount: account,
    identityPolicies: [mayAssumeAnything],
    resourcePolicy: trustPolicyOf(f.prod, roleName),
    context: { 'aws:PrincipalArn': principal, ...context },
  });
}

describe('TargetAccountStack: who may assume what (BRIEF invariant 2)', () => {
  const mint = f.brokerRoleArn(BROKER_NAMES.mintRole);
  const mintSession = `arn:aws:sts::${f.hub}:assumed-role/${BROKER_NAMES.mintRole}/mint-fn`;

  it.each(['AgentElevated-Ops', 'AgentElevated-Deploy', 'AgentElevated-Security'])(
    'lets the mint role assume %s only while setting a broker SourceIdentity',
    async (role) => {
      await expect(assume(mintSession, role, 'sts:AssumeRole', { 'aws:SourceIdentity': 'jit-req-mint-0001' })).resolves.toBe('Allowed');
      await expect(assume(mintSession, role, 'sts:SetSourceIdentity', { 'aws:SourceIdentity': 'jit-req-mint-0001' })).resolves.toBe('Allowed');
      await expect(assume(mintSession, role)).resolves.not.toBe('Allowed');
      await expect(assume(mintSession, role, 'sts:AssumeRole', { 'aws:SourceIdentity': 'someone-else' })).resolves.not.toBe('Allowed');
      await expect(assume(mintSession, role, 'sts:AssumeRole', { 'aws:SourceIdentity': 'jit-short' })).resolves.not.toBe('Allowed');
    },
  );

  it('lets the mint role do this because its own policy names the elevated roles', async () => {
    const decision = await evaluate({
      principal: mintSession,
      action: 'sts:AssumeRole',
      resource: `arn:aws:iam::${account}:role/AgentElevated-Ops`,
      resourceAccount: account,
      identityPolicies: identityPoliciesOfRole(f.broker, BROKER_NAMES.mintRole),
      resourcePolicy: trustPolicyOf(f.prod, 'AgentElevated-Ops'),
      context: { 'aws:PrincipalArn': mint, 'aws:SourceIdentity': 'jit-req-mint-0001' },
    });
    expect(decision).toBe('Allowed');
  });

  it('refuses the agent, any other broker role and the account itself, SourceIdentity or not', async () => {
    const others = [
      f.agentArn,
      f.brokerRoleArn(BROKER_NAMES.resetRole),
      f.brokerRoleArn(BROKER_NAMES.auditRole),
      f.brokerRoleArn(BROKER_NAMES.revokeRole),
      `arn:aws:iam::${account}:role/SomeAdmin`,
      `arn:aws:iam::${account}:role/AgentElevated-Deploy`,
    ];
    for (const principal of others) {
      await expect(assume(principal, 'AgentElevated-Ops', 'sts:AssumeRole', { 'aws:SourceIdentity': 'jit-req-mint-0001' })).resolves.not.toBe('Allowed');
    }
  });

  it('lets only the broker audit role assume the audit reader, which may only look up events', async () => {
    await expect(assume(f.brokerRoleArn(BROKER_NAMES.auditRole), TARGET_NAMES.auditReaderRole)).resolves.toBe('Allowed');
    await expect(assume(f.agentArn, TARGET_NAMES.auditReaderRole)).resolves.not.toBe('Allowed');
    await expect(assume(mint, TARGET_NAMES.auditReaderRole)).resolves.not.toBe('Allowed');
    const statements = identityPoliciesOfRole(f.prod, TARGET_NAMES.auditReaderRole).flatMap((p) => p.policy.Statement);
    expect(statements.map((s) => [s.Effect, s.Action, s.Resource])).toEqual([['Allow', 'cloudtrail:LookupEvents', '*']]);
  });

  it('lets only the broker revoke role assume the revoker, which may only write inline policies on elevated roles', async () => {
    const revoke = f.brokerRoleArn(BROKER_NAMES.revokeRole);
    await expect(assume(revoke, TARGET_NAMES.revokerRole)).resolves.toBe('Allowed');
    await expect(assume(f.agentArn, TARGET_NAMES.revokerRole)).resolves.not.toBe('Allowed');

    const revoker = (action: string, roleName: string) =>
      evaluate({
        principal: `arn:aws:sts::${account}:assumed-role/${TARGET_NAMES.revokerRole}/revoke`,
        action,
        resource: `arn:aws:iam::${account}:role/${roleName}`,
        identityPolicies: identityPoliciesOfRole(f.prod, TARGET_NAMES.revokerRole),
      });
    for (const action of ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:GetRolePolicy']) {
      await expect(revoker(action, 'AgentElevated-Security')).resolves.toBe('Allowed');
      await expect(revoker(action, TARGET_NAMES.auditReaderRole)).resolves.toBe('ImplicitlyDenied');
      await expect(revoker(action, 'OrganizationAccountAccessRole')).resolves.toBe('ImplicitlyDenied');
    }
    for (const action of ['iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DetachRolePolicy']) {
      await expect(revoker(action, 'AgentElevated-Ops')).resolves.toBe('ImplicitlyDenied');
    }
  });
});
