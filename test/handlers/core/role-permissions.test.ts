import { NEVER_EVEN_ELEVATED } from '../../../handlers/core/deny-list';
import { evaluatePolicies } from '../../../handlers/core/policy-evaluator';
import { planOutsideRole, planOutsideRoleProblem, roleAllowsAll, rolePermissionsOf } from '../../../handlers/core/role-permissions';
import { exampleSettings } from '../../helpers/synth';

const settings = exampleSettings();
const now = new Date('2026-11-28T10:00:00Z');
const regions = ['eu-west-1'];
const ops = () => {
  const p = rolePermissionsOf(settings, 'Ops');
  if (!p) throw new Error('the example settings carry the Ops policy');
  return p;
};
/** A role of its own, for cases the example roles do not have. */
const roleOf = (statements: unknown[]) => {
  const p = rolePermissionsOf({ rolePolicies: { Custom: { Statement: statements } } }, 'Custom');
  if (!p) throw new Error('no policy');
  return p;
};

describe("rolePermissionsOf: the role's merged permissions policy", () => {
  it("is the role's policy file with the ceiling's deny list appended, as a versioned identity policy", () => {
    // Act
    const merged = JSON.parse(ops().json);

    // Assess
    expect(merged.Version).toBe('2012-10-17');
    expect(merged.Statement).toHaveLength(2);
    expect(merged.Statement[0].Action).toContain('ecs:UpdateService');
    expect(merged.Statement[1]).toEqual({ Sid: 'NeverEvenElevated', Effect: 'Deny', Action: [...NEVER_EVEN_ELEVATED], Resource: '*' });
  });

  it('is undefined when the settings carry no policy for the role', () => {
    expect(rolePermissionsOf({ ...settings, rolePolicies: undefined }, 'Ops')).toBeUndefined();
    expect(rolePermissionsOf(settings, 'NoSuchRole')).toBeUndefined();
  });

  it('denies a deny-listed action even where the role allows it (evaluated)', () => {
    // Prepare: a role that allows all of EC2
    const ec2 = roleOf([{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }]);
    const decide = (action: string) =>
      evaluatePolicies({ identity: [ec2.document] }, { principalArn: 'arn:aws:sts::222222222222:assumed-role/r/s', action, resource: '*', context: { 'aws:RequestedRegion': 'eu-west-1' } }).decision;

    // Assess
    expect(decide('ec2:StopInstances')).toBe('Allowed');
    expect(decide('ec2:TerminateInstances')).toBe('ExplicitlyDenied');
  });
});

describe('planOutsideRole: a plan evaluated against the role, the ceiling and the audited regions', () => {
  const service = 'arn:aws:ecs:eu-west-1:222222222222:service/prod/payments';

  it('finds nothing outside for planned actions, resources and wildcards the role allows whole', () => {
    expect(planOutsideRole({ actions: ['ecs:UpdateService', 'ec2:Describe*', 'ec2:DescribeInstances'], resources: { 'ecs:UpdateService': [service] } }, ops(), regions, now)).toEqual([]);
  });

  it('names an action the role does not allow, and a wildcard wider than the role', () => {
    // Act
    const outside = planOutsideRole({ actions: ['ecs:UpdateService', 's3:DeleteBucket', 'ecs:Describe*'] }, ops(), regions, now);

    // Assess: the role has ecs:DescribeServices and two more, not all of ecs:Describe*
    expect(outside.map((o) => o.action)).toEqual(['s3:DeleteBucket', 'ecs:Describe*']);
    expect(outside[1].why).toBe('the role Ops does not allow it (all of this wildcard) in eu-west-1');
    expect(planOutsideRoleProblem(outside, 'Ops')).toBe(
      'plannedActions: outside the role Ops, so the grant could never do them: s3:DeleteBucket (the role Ops does not allow it in eu-west-1); ' +
        'ecs:Describe* (the role Ops does not allow it (all of this wildcard) in eu-west-1). Plan only what the role allows, or ask for a role that allows it.',
    );
  });

  it("names a planned action the ceiling denies, and a wildcard that reaches one, even where the role's policy allows them", () => {
    // Prepare
    const ec2 = roleOf([{ Effect: 'Allow', Action: ['ec2:*', 'organizations:*'], Resource: '*' }]);

    // Act
    const outside = planOutsideRole({ actions: ['ec2:StopInstances', 'ec2:TerminateInstances', 'ec2:Delete*', 'organizations:ListAccounts'] }, ec2, regions, now);

    // Assess
    expect(outside).toEqual([
      { action: 'ec2:TerminateInstances', why: 'the ceiling denies ec2:TerminateInstances to every elevated role' },
      { action: 'ec2:Delete*', why: 'the ceiling denies ec2:DeleteVpc, ec2:DeleteSubnet to every elevated role' },
      { action: 'organizations:ListAccounts', why: 'the ceiling denies organizations:* to every elevated role' },
    ]);
  });

  it('names the planned resources the role does not allow the action on', () => {
    // Prepare: a role limited to one bucket
    const bucket = roleOf([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::reports/*' }]);

    // Act
    const outside = planOutsideRole({ actions: ['s3:GetObject'], resources: { 's3:GetObject': ['arn:aws:s3:::reports/2026/*', 'arn:aws:s3:::payroll/*'] } }, bucket, regions, now);
    const onEverything = planOutsideRole({ actions: ['s3:GetObject'] }, bucket, regions, now);

    // Assess: a plan without resources means every resource, wider than this role
    expect(outside).toEqual([{ action: 's3:GetObject', resources: ['arn:aws:s3:::payroll/*'], why: 'the role Custom does not allow it on arn:aws:s3:::payroll/* in eu-west-1' }]);
    expect(onEverything.map((o) => o.action)).toEqual(['s3:GetObject']);
  });

  it('evaluates every audited region: a role fenced to one region allows a plan there, not one in none of them', () => {
    // Prepare
    const fenced = roleOf([{ Effect: 'Allow', Action: 'ecs:UpdateService', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-central-1' } } }]);

    // Act / Assess
    expect(planOutsideRole({ actions: ['ecs:UpdateService'] }, fenced, ['eu-west-1', 'eu-central-1'], now)).toEqual([]);
    expect(planOutsideRole({ actions: ['ecs:UpdateService'] }, fenced, ['eu-west-1'], now).map((o) => o.action)).toEqual(['ecs:UpdateService']);
  });

  it('lets a global service through in us-east-1, where the region fence lets it', () => {
    const iamInUsEast1 = roleOf([{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } }]);
    expect(planOutsideRole({ actions: ['iam:GetRole'] }, iamInUsEast1, regions, now)).toEqual([]);
  });
});

describe('roleAllowsAll: what compression may widen to', () => {
  it('allows a wider pattern only when the role allows all of it, and never one reaching the deny list', () => {
    const ec2 = roleOf([{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }]);
    expect(roleAllowsAll(ops(), 'ec2:Describe*', ['*'], regions, now)).toBe(true);
    expect(roleAllowsAll(ops(), 'ecs:Describe*', ['*'], regions, now)).toBe(false);
    expect(roleAllowsAll(ec2, 'ec2:Stop*', ['*'], regions, now)).toBe(true);
    expect(roleAllowsAll(ec2, 'ec2:Delete*', ['*'], regions, now)).toBe(false);
  });
});
