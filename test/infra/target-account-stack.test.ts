import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SOURCE_IDENTITY_TRUST_PATTERN, sourceIdentityFor } from '../../handlers/core/grant-window';
import { TARGET_NAMES } from '../../handlers/core/resource-names';
import { TargetAccountStack } from '../../infra/target-account-stack';
import { managedPolicyNamed, synthesizedStack } from '../helpers/iam-template';
import { exampleConfig, synthApp } from '../helpers/synth';

/** IAM's limit for a customer managed policy, counted without whitespace. */
const MANAGED_POLICY_MAX_CHARS = 6144;

describe('TargetAccountStack', () => {
  const { stacks } = synthApp();
  const prod = Template.fromStack(stacks.targets.get('prod')!);
  const staging = Template.fromStack(stacks.targets.get('staging')!);

  it('is deployed into its own account, in the hub region, after the broker stack', () => {
    const stack = stacks.targets.get('prod')!;
    expect(stack.stackName).toBe('JitTarget-prod');
    expect(stack.account).toBe('222222222222');
    expect(stack.region).toBe('eu-west-1');
    expect(stack.dependencies).toContain(stacks.broker);
  });

  it('creates the configured elevated roles of the account with a one-hour session cap and the ceiling attached', () => {
    // Three elevated roles, the audit reader, the revoker, and the tripwire forwarder's role (tripwires are on in the example).
    prod.resourceCountIs('AWS::IAM::Role', 6);
    for (const roleName of ['AgentElevated-Ops', 'AgentElevated-Deploy', 'AgentElevated-Security']) {
      prod.hasResourceProperties('AWS::IAM::Role', {
        RoleName: roleName,
        MaxSessionDuration: 3600,
        ManagedPolicyArns: [
          { Ref: Match.stringLikeRegexp('^CeilingDenyAlways') },
          { Ref: Match.stringLikeRegexp('^CeilingDenyDetection') },
          { Ref: Match.stringLikeRegexp('^CeilingDenyBroker') },
        ],
      });
    }
  });

  it('trusts only the broker mint role, by ARN, and requires a SourceIdentity in the broker format', () => {
    prod.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'AgentElevated-Ops',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:role/jit-broker-mint']] } },
            Condition: { StringLike: { 'sts:SourceIdentity': SOURCE_IDENTITY_TRUST_PATTERN } },
          },
          {
            Action: 'sts:SetSourceIdentity',
            Effect: 'Allow',
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:role/jit-broker-mint']] } },
            Condition: { StringLike: { 'sts:SourceIdentity': SOURCE_IDENTITY_TRUST_PATTERN } },
          },
        ],
      },
    });
  });

  it('accepts the SourceIdentity of the shortest and longest request ids in its trust pattern', () => {
    const like = new RegExp(`^${SOURCE_IDENTITY_TRUST_PATTERN.replace(/\?/g, '.').replace(/\*/g, '.*')}$`);
    expect(like.test(sourceIdentityFor('a'.repeat(8)))).toBe(true);
    expect(like.test(sourceIdentityFor('a'.repeat(36)))).toBe(true);
    expect(like.test('jit-1234567')).toBe(false);
    expect(like.test('other-12345678')).toBe(false);
  });

  it('creates only the roles an account is configured for', () => {
    // staging has no `roles` list, so it gets every configured role; a narrower account gets fewer.
    staging.resourceCountIs('AWS::IAM::Role', 6);
    const loaded = exampleConfig();
    const narrow = { ...loaded.config.accounts[0], roles: ['Ops'] };
    const stack = new TargetAccountStack(new App(), 'Narrow', { config: loaded, account: narrow, env: { account: narrow.id, region: 'eu-west-1' } });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Role', 4); // Ops, the audit reader, the revoker, the tripwire forwarder
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: TARGET_NAMES.revokerRole,
      Policies: Match.absent(),
    });
  });

  it('refuses an env account that is not the target account', () => {
    const loaded = exampleConfig();
    expect(
      () =>
        new TargetAccountStack(new App(), 'Wrong', {
          config: loaded,
          account: loaded.config.accounts[0],
          env: { account: '999999999999', region: 'eu-west-1' },
        }),
    ).toThrow(/env.account must be the target account 222222222222. Received: 999999999999/);
  });

  it('keeps the ceiling and the boundary within the managed policy size limit, as IAM counts it after deployment', () => {
    // Role names outside `jit-*` are listed one by one in the ceiling, so the seed's IAM names
    // (AgentElevated-*) make it longer: both namings must fit.
    const loaded = exampleConfig();
    const seedNames = { ...loaded, config: { ...loaded.config, roles: loaded.config.roles.map((r) => ({ ...r, iamRoleName: `AgentElevated-${r.name}` })) } };
    for (const config of [loaded, seedNames]) {
      const deployed = synthesizedStack(synthApp(config).stacks.targets.get('prod')!);
      const names = [TARGET_NAMES.denyAlwaysPolicy, TARGET_NAMES.denyDetectionPolicy, TARGET_NAMES.denyBrokerPolicy, TARGET_NAMES.boundaryPolicy];
      const sizes = names.map((name) => ({ name, size: JSON.stringify(managedPolicyNamed(deployed, name)).replace(/\s/g, '').length }));
      console.log(`ceiling sizes (${config.config.roles.map((r) => r.iamRoleName ?? r.name).join(', ')}): ${sizes.map((s) => `${s.name} ${s.size}`).join(', ')} of ${MANAGED_POLICY_MAX_CHARS}`);
      for (const { name, size } of sizes) {
        expect({ name, size, fits: size < MANAGED_POLICY_MAX_CHARS }).toEqual({ name, size, fits: true });
      }
    }
  });
});
