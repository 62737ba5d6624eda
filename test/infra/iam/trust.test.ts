import { SOURCE_IDENTITY_TRUST_PATTERN } from '../../../handlers/core/grant-window';
import { BROKER_NAMES, TARGET_NAMES } from '../../../handlers/core/resource-names';
import { contextOf, evaluate } from '../../helpers/iam-simulator';
import { iamFixture } from '../../helpers/iam-fixture';
import { identityPoliciesOfRole, trustPolicyOf, type NamedPolicy } from '../../helpers/iam-template';
import { exampleConfig } from '../../helpers/synth';

const f = iamFixture();
const account = f.prodAccount;
/** Whatever the caller's own policy says, only the trust policy decides who gets in. */
const mayAssumeAnything: NamedPolicy = {
  name: 'MayAssumeAnything',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: '*' }] },
};

/** A session of `roleName` in `accountId`, as the tests' callers sign. */
const sessionOf = (accountId: string, roleName: string, session = 'caller') => `arn:aws:sts::${accountId}:assumed-role/${roleName}/${session}`;

interface Assume {
  readonly action?: 'sts:AssumeRole' | 'sts:SetSourceIdentity';
  /** The AssumeRole `SourceIdentity` parameter. */
  readonly sourceIdentity?: string;
  /** The calling session's own source identity (only a session that was assumed with one has it). */
  readonly callerSourceIdentity?: string;
  readonly identityPolicies?: NamedPolicy[];
}

/** AssumeRole into `roleName` of prod, with the request context AWS builds for that call. */
function assume(principal: string, roleName: string, options: Assume = {}) {
  return evaluate({
    principal,
    ...(options.callerSourceIdentity ? { session: { sourceIdentity: options.callerSourceIdentity } } : {}),
    action: options.action ?? 'sts:AssumeRole',
    resource: `arn:aws:iam::${account}:role/${roleName}`,
    resourceAccount: account,
    // AssumeRole is answered by STS; the broker calls its regional endpoint in the hub's region.
    region: f.region,
    identityPolicies: options.identityPolicies ?? [mayAssumeAnything],
    resourcePolicy: trustPolicyOf(f.prod, roleName),
    ...(options.sourceIdentity ? { request: { sourceIdentity: options.sourceIdentity } } : {}),
  });
}

describe('TargetAccountStack: who may assume what', () => {
  const mint = f.mintSession;

  it('finds the elevated roles in the synthesized template, one per configured role', () => {
    expect(f.elevatedRoleNames.length).toBe(exampleConfig().config.roles.length);
  });

  describe.each(f.elevatedRoleNames)('the elevated role %s', (role) => {
    it('lets the mint role in on the first hop: its Lambda session has no source identity and sets one', async () => {
      // The context AWS builds: sts:SourceIdentity (the value being set), no aws:SourceIdentity.
      const first = contextOf({ principal: mint, action: 'sts:AssumeRole', resource: `arn:aws:iam::${account}:role/${role}`, request: { sourceIdentity: 'jit-req-mint-0001' } });
      expect(first['sts:SourceIdentity']).toBe('jit-req-mint-0001');
      expect(first['aws:SourceIdentity']).toBeUndefined();

      await expect(assume(mint, role, { sourceIdentity: 'jit-req-mint-0001' })).resolves.toBe('Allowed');
      await expect(assume(mint, role, { action: 'sts:SetSourceIdentity', sourceIdentity: 'jit-req-mint-0001' })).resolves.toBe('Allowed');
    });

    it('refuses the mint role without a source identity, or with one not in the broker format', async () => {
      await expect(assume(mint, role)).resolves.not.toBe('Allowed');
      await expect(assume(mint, role, { sourceIdentity: 'someone-else' })).resolves.not.toBe('Allowed');
      await expect(assume(mint, role, { sourceIdentity: 'jit-short' })).resolves.not.toBe('Allowed');
      await expect(assume(mint, role, { action: 'sts:SetSourceIdentity', sourceIdentity: 'someone-else' })).resolves.not.toBe('Allowed');
    });

    it('lets the mint role do this because its own policy names the elevated role', async () => {
      const decision = await assume(mint, role, { sourceIdentity: 'jit-req-mint-0001', identityPolicies: identityPoliciesOfRole(f.broker, BROKER_NAMES.mintRole) });
      expect(decision).toBe('Allowed');
    });
  });

  it('requires the source identity with sts:SourceIdentity, the key AWS sends on the first hop, not aws:SourceIdentity', () => {
    for (const role of f.elevatedRoleNames) {
      const conditions = trustPolicyOf(f.prod, role).Statement.map((s) => s.Condition);
      expect(conditions).toEqual([
        { StringLike: { 'sts:SourceIdentity': SOURCE_IDENTITY_TRUST_PATTERN } },
        { StringLike: { 'sts:SourceIdentity': SOURCE_IDENTITY_TRUST_PATTERN } },
      ]);
    }
  });

  it('refuses the agent, any other broker role and the account itself, source identity or not', async () => {
    const others = [
      f.agentArn,
      sessionOf(f.hub, BROKER_NAMES.resetRole),
      sessionOf(f.hub, BROKER_NAMES.auditRole),
      sessionOf(f.hub, BROKER_NAMES.revokeRole),
      sessionOf(account, 'SomeAdmin'),
      ...f.elevatedRoleNames.map((role) => sessionOf(account, role, 'jit-req-other-0002')),
    ];
    for (const principal of others) {
      for (const role of f.elevatedRoleNames) {
        await expect(assume(principal, role, { sourceIdentity: 'jit-req-mint-0001' })).resolves.not.toBe('Allowed');
        await expect(assume(principal, role)).resolves.not.toBe('Allowed');
      }
    }
  });

  it('lets only the broker audit role assume the audit reader, which may only look up events', async () => {
    await expect(assume(sessionOf(f.hub, BROKER_NAMES.auditRole), TARGET_NAMES.auditReaderRole)).resolves.toBe('Allowed');
    await expect(assume(f.agentArn, TARGET_NAMES.auditReaderRole)).resolves.not.toBe('Allowed');
    await expect(assume(mint, TARGET_NAMES.auditReaderRole)).resolves.not.toBe('Allowed');
    const statements = identityPoliciesOfRole(f.prod, TARGET_NAMES.auditReaderRole).flatMap((p) => p.policy.Statement);
    expect(statements.map((s) => [s.Effect, s.Action, s.Resource])).toEqual([['Allow', 'cloudtrail:LookupEvents', '*']]);
  });

  it('lets only the broker revoke role assume the revoker, which may only write inline policies on elevated roles', async () => {
    await expect(assume(sessionOf(f.hub, BROKER_NAMES.revokeRole), TARGET_NAMES.revokerRole)).resolves.toBe('Allowed');
    await expect(assume(f.agentArn, TARGET_NAMES.revokerRole)).resolves.not.toBe('Allowed');

    const revoker = (action: string, roleName: string) =>
      evaluate({
        principal: `arn:aws:sts::${account}:assumed-role/${TARGET_NAMES.revokerRole}/revoke`,
        action,
        resource: `arn:aws:iam::${account}:role/${roleName}`,
        identityPolicies: identityPoliciesOfRole(f.prod, TARGET_NAMES.revokerRole),
      });
    for (const action of ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:GetRolePolicy']) {
      for (const role of f.elevatedRoleNames) await expect(revoker(action, role)).resolves.toBe('Allowed');
      await expect(revoker(action, TARGET_NAMES.auditReaderRole)).resolves.toBe('ImplicitlyDenied');
      await expect(revoker(action, 'OrganizationAccountAccessRole')).resolves.toBe('ImplicitlyDenied');
    }
    for (const action of ['iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DetachRolePolicy']) {
      await expect(revoker(action, f.elevatedRoleNames[0])).resolves.toBe('ImplicitlyDenied');
    }
  });
});
