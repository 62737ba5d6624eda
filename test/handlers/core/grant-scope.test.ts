import { grantScopeOf, grantScopeText } from '../../../handlers/core/grant-scope';
import { exampleSettings } from '../../helpers/synth';

const settings = exampleSettings();
const now = new Date('2026-03-01T10:00:00Z');
const service = 'arn:aws:ecs:eu-west-1:222222222222:service/prod/payments';
const request = (plannedActions: string[], plannedResources?: Record<string, string[]>) => ({
  role: 'Ops',
  minutes: 15,
  plannedActions,
  ...(plannedResources ? { plannedResources } : {}),
});

describe('grantScopeOf: the role versus the grant, by evaluating both', () => {
  it('an unplanned request keeps every permission of the role, and says it is unscoped', () => {
    // Act
    const scope = grantScopeOf(request(['restart the worker']), settings, now);

    // Assess
    expect(scope?.scoped).toBe(false);
    expect(scope?.lines.every((l) => l.grant === 'all')).toBe(true);
    expect(grantScopeText(scope)[0]).toBe('UNSCOPED: no IAM actions were planned, so the grant can do everything the role can.');
  });

  it('a plan keeps only the planned permissions of the role, on the planned resources', () => {
    // Act
    const scope = grantScopeOf(request(['ecs:UpdateService', 'ec2:DescribeInstances', 's3:DeleteBucket'], { 'ecs:UpdateService': [service] }), settings, now);

    // Assess
    expect(scope?.scoped).toBe(true);
    const line = (role: string) => scope?.lines.find((l) => l.role === role);
    expect(line('ecs:UpdateService')).toEqual({ role: 'ecs:UpdateService', grant: ['ecs:UpdateService'], resources: [service] });
    expect(line('ec2:Describe*')).toEqual({ role: 'ec2:Describe*', grant: ['ec2:DescribeInstances'] });
    expect(line('ec2:StopInstances')).toEqual({ role: 'ec2:StopInstances', grant: [] });
    expect(scope?.plannedOutsideRole).toEqual(['s3:DeleteBucket']);
    expect(grantScopeText(scope)).toEqual([
      "Scoped to the plan: 2 of the role's 20 permissions kept, 18 removed.",
      'Can: ec2:DescribeInstances (of ec2:Describe*)',
      `Can: ecs:UpdateService (of ecs:UpdateService) on ${service}`,
      expect.stringMatching(/^Cannot \(the role could\): ec2:StartInstances, ec2:StopInstances, /),
      'Planned but outside the role (refused): s3:DeleteBucket',
      'Regions: eu-west-1 only, and us-east-1 for global services (IAM, STS, CloudFront, Route 53, Organizations); calls elsewhere are refused.',
    ]);
  });

  it('a planned wildcard covering a role wildcard keeps all of it', () => {
    const scope = grantScopeOf(request(['ec2:Describe*']), settings, now);
    expect(scope?.lines.find((l) => l.role === 'ec2:Describe*')).toEqual({ role: 'ec2:Describe*', grant: 'all' });
  });

  it('says so when the role policy is not known', () => {
    expect(grantScopeOf(request(['ecs:UpdateService']), { ...settings, rolePolicies: undefined }, now)).toBeUndefined();
    expect(grantScopeText(undefined)[0]).toMatch(/could not be computed/);
  });

  it('evaluates every audited region, not only the first: a role fenced to the second region keeps the action there', () => {
    // Prepare: a role that may update services in eu-central-1 only; the audit reads eu-west-1 first.
    const fenced = {
      auditRegions: ['eu-west-1', 'eu-central-1'],
      rolePolicies: {
        Ops: {
          Statement: [
            { Effect: 'Allow', Action: 'ecs:UpdateService', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-central-1' } } },
            { Effect: 'Allow', Action: 'ecs:DescribeServices', Resource: '*' },
          ],
        },
      },
    };

    // Act
    const scope = grantScopeOf(request(['ecs:UpdateService', 'ecs:DescribeServices']), fenced, now);
    const unscoped = grantScopeOf(request([]), fenced, now);

    // Assess
    expect(scope?.lines).toEqual([
      { role: 'ecs:UpdateService', grant: 'all', regions: ['eu-central-1'] },
      { role: 'ecs:DescribeServices', grant: 'all' },
    ]);
    expect(scope?.plannedOutsideRole).toEqual([]);
    expect(grantScopeText(scope)).toContain('Can: ecs:UpdateService in eu-central-1 only');
    expect(grantScopeText(unscoped)).toContain('Only in eu-central-1: ecs:UpdateService');
  });

  it("evaluates the ceiling's action denies: a role pattern that reaches the deny list never includes it, one inside it is never granted", () => {
    // Prepare: a role whose policy file allows all of EC2 and the organization.
    const wide = { auditRegions: ['eu-west-1'], rolePolicies: { Ops: { Statement: [{ Effect: 'Allow', Action: ['ec2:*', 'organizations:*', 'ecs:UpdateService'], Resource: '*' }] } } };

    // Act
    const unscoped = grantScopeOf(request([]), wide, now);
    const scoped = grantScopeOf(request(['ecs:UpdateService']), wide, now);

    // Assess
    expect(unscoped?.lines).toEqual([
      { role: 'ec2:*', grant: 'all', denied: ['ec2:TerminateInstances', 'ec2:DeleteVpc', 'ec2:DeleteSubnet'] },
      { role: 'organizations:*', grant: [], denied: ['organizations:*'] },
      { role: 'ecs:UpdateService', grant: 'all' },
    ]);
    expect(grantScopeText(unscoped)).toContain(
      'Never, whatever the role says (the ceiling denies them to every elevated role): ec2:TerminateInstances, ec2:DeleteVpc, ec2:DeleteSubnet, organizations:*',
    );
    // The organization is not counted as a permission the role has and the grant lost.
    expect(grantScopeText(scoped)[0]).toBe("Scoped to the plan: 1 of the role's 2 permissions kept, 1 removed.");
    expect(grantScopeText(scoped)).toContain('Cannot (the role could): ec2:*');
  });
});

