import { MAX_SESSION_POLICY_CHARS, timeFencedSessionPolicy } from '../../../handlers/core/session-policy';

describe('timeFencedSessionPolicy', () => {
  it('allows only while aws:CurrentTime is before the approved expiry', () => {
    const policy = JSON.parse(timeFencedSessionPolicy(new Date('2026-11-28T10:05:00.400Z')));
    expect(policy.Statement).toEqual([
      {
        Sid: 'JitTimeFence',
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:CurrentTime': '2026-11-28T10:05:00Z' } },
      },
    ]);
  });

  it('stays far below the 2,048-character packed policy limit', () => {
    expect(timeFencedSessionPolicy(new Date()).length).toBeLessThan(MAX_SESSION_POLICY_CHARS / 4);
  });
});

import { evaluatePolicies, toPolicyDocument } from '../../../sandbox/iam/policy-evaluator';
import { assumedRoleSessionArn } from '../../../handlers/core/resource-names';
import { GLOBAL_SERVICES_REGION, PlanTooLargeError, grantSessionPolicy, planOf } from '../../../handlers/core/session-policy';
import { contextOf, evaluate, type Decision } from '../../helpers/iam-simulator';
import opsPolicy from '../../../infra/policies/ops.json';
import { roleAllowsAll, rolePermissionsOf } from '../../../handlers/core/role-permissions';

const expiresAt = new Date('2026-03-01T10:05:00Z');
const account = '222222222222';
const principal = assumedRoleSessionArn('aws', account, 'AgentElevated-Ops', 'jit-req-plan-0001');
const role = [{ name: 'OpsAccess', policy: opsPolicy }];

/** Both evaluators on one call of the session: the sandbox's and iam-simulate, which must agree. */
async function decide(sessionPolicy: string, action: string, resource: string, region: string): Promise<Decision> {
  const input = { principal, session: { sourceIdentity: 'jit-req-plan-0001', issuedAt: '2026-03-01T10:00:00Z' }, action, resource, region, at: '2026-03-01T10:02:00Z' };
  const simulated = await evaluate({ ...input, resourceAccount: account, identityPolicies: role, sessionPolicy });
  const ours = evaluatePolicies(
    { identity: [toPolicyDocument(opsPolicy)], sessionPolicy: toPolicyDocument(JSON.parse(sessionPolicy)) },
    { principalArn: principal, action, resource, context: contextOf(input) },
  ).decision;
  expect(`${action} in ${region}: sandbox ${ours}`).toBe(`${action} in ${region}: sandbox ${simulated}`);
  return ours;
}

const service = `arn:aws:ecs:eu-west-1:${account}:service/prod/payments`;

describe('grantSessionPolicy', () => {
  it('without a plan allows the role, fenced in time and to the audited regions', () => {
    // Act
    const policy = grantSessionPolicy({ expiresAt, regions: ['eu-west-1'] });

    // Assess
    expect(policy.scoped).toBe(false);
    expect(JSON.parse(policy.json)).toEqual(policy.document);
    expect(policy.document.Statement).toEqual([
      { Sid: 'JitTimeFence', Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2026-03-01T10:05:00Z' } } },
      { Sid: 'JitRegionFence', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] } } },
      expect.objectContaining({ Sid: 'JitGlobalOnly', Effect: 'Deny', NotAction: expect.arrayContaining(['iam:*', 'sts:*', 'cloudfront:*', 'route53:*', 'organizations:*']), Condition: { StringEquals: { 'aws:RequestedRegion': GLOBAL_SERVICES_REGION } } }),
    ]);
  });

  it('needs no exception for global services when us-east-1 is audited', () => {
    const policy = grantSessionPolicy({ expiresAt, regions: ['us-east-1', 'eu-west-1'] });
    expect(policy.document.Statement.map((s) => s.Sid)).toEqual(['JitTimeFence', 'JitRegionFence']);
  });

  it('with a plan allows only the planned actions, each on its planned resources; free text is not a plan', () => {
    // Prepare
    const plan = planOf({
      plannedActions: ['restart the payment worker', 'ecs:UpdateService', 'ecs:DescribeServices', 'logs:FilterLogEvents', 'ecs:describeservices'],
      plannedResources: { 'ecs:UpdateService': [service], 'ecs:DescribeServices': [service] },
    });

    // Act
    const policy = grantSessionPolicy({ expiresAt, regions: ['eu-west-1'], ...(plan ? { plan } : {}) });

    // Assess
    expect(policy.scoped).toBe(true);
    expect(policy.widened).toEqual([]);
    expect(policy.document.Statement.filter((s) => s.Effect === 'Allow')).toEqual([
      { Sid: 'JitPlan0', Effect: 'Allow', Action: ['ecs:UpdateService', 'ecs:DescribeServices'], Resource: service, Condition: { DateLessThan: { 'aws:CurrentTime': '2026-03-01T10:05:00Z' } } },
      { Sid: 'JitPlan1', Effect: 'Allow', Action: 'logs:FilterLogEvents', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2026-03-01T10:05:00Z' } } },
    ]);
    expect(planOf({ plannedActions: ['restart the payment worker'] })).toBeUndefined();
  });

  it('drops entries a planned wildcard covers', () => {
    const policy = grantSessionPolicy({ expiresAt, regions: ['eu-west-1'], plan: { actions: ['ec2:DescribeInstances', 'ec2:Describe*', 'EC2:describeVolumes'] } });
    expect(policy.document.Statement[0].Action).toBe('ec2:Describe*');
  });

  it('widens by verb and by resource path only when the plan would not fit otherwise, and names what it widened', () => {
    // Prepare: 20 long Describe actions over one service: 2,300 characters as written.
    const actions = Array.from({ length: 20 }, (_, i) => `ec2:DescribeSomethingRatherLongNumber${String.fromCharCode(65 + i)}${'x'.repeat(60)}`);

    // Act: a role that allows all of ec2:Describe*
    const policy = grantSessionPolicy({ expiresAt, regions: ['eu-west-1'], plan: { actions }, within: () => true });

    // Assess
    expect(policy.document.Statement[0].Action).toBe('ec2:Describe*');
    expect(policy.widened).toEqual(actions);
    expect(policy.json.length).toBeLessThanOrEqual(MAX_SESSION_POLICY_CHARS);
  });

  it('never widens past the role: a wider pattern the role does not allow whole is not used, and the plan is refused as too large', () => {
    // Prepare: the same 20 long Describe actions; roles that allow each of them but not all of ec2:Describe*,
    // or all of EC2, which the ceiling's deny list cuts (ec2:Delete* would reach ec2:DeleteVpc).
    const describes = Array.from({ length: 20 }, (_, i) => `ec2:DescribeSomethingRatherLongNumber${String.fromCharCode(65 + i)}${'x'.repeat(60)}`);
    const deletes = describes.map((a) => a.replace('ec2:Describe', 'ec2:Delete'));
    const listed = rolePermissionsOf({ rolePolicies: { Listed: { Statement: [{ Effect: 'Allow', Action: describes, Resource: '*' }] } } }, 'Listed');
    const allEc2 = rolePermissionsOf({ rolePolicies: { AllEc2: { Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] } } }, 'AllEc2');
    if (!listed || !allEc2) throw new Error('no role');
    const within = (role: typeof listed) => (action: string, resources: readonly string[]) => roleAllowsAll(role, action, resources, ['eu-west-1'], expiresAt);

    // Act / Assess
    expect(() => grantSessionPolicy({ expiresAt, regions: ['eu-west-1'], plan: { actions: describes }, within: within(listed) })).toThrow(PlanTooLargeError);
    expect(() => grantSessionPolicy({ expiresAt, regions: ['eu-west-1'], plan: { actions: deletes }, within: within(allEc2) })).toThrow(PlanTooLargeError);
    expect(grantSessionPolicy({ expiresAt, regions: ['eu-west-1'], plan: { actions: describes }, within: within(allEc2) }).document.Statement[0].Action).toBe('ec2:Describe*');
    // Without the role's policy nothing is widened.
    expect(() => grantSessionPolicy({ expiresAt, regions: ['eu-west-1'], plan: { actions: describes } })).toThrow(PlanTooLargeError);
  });

  it("widens a resource path only where the role allows every action of the group on the wider path (the example Ops role's Resource is *)", () => {
    // Prepare: a role limited to one prefix; a plan of objects under two prefixes, too long as written.
    const objects = (prefix: string) => Array.from({ length: 10 }, (_, i) => `arn:aws:s3:::reports/${prefix}/${'o'.repeat(190)}-${i}`);
    const limited = rolePermissionsOf({ rolePolicies: { Reports: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::reports/2026/*' }] } } }, 'Reports');
    if (!limited) throw new Error('no role');
    const within = (action: string, resources: readonly string[]) => roleAllowsAll(limited, action, resources, ['eu-west-1'], expiresAt);

    // Act
    const inside = grantSessionPolicy({ expiresAt, regions: ['eu-west-1'], plan: { actions: ['s3:GetObject'], resources: { 's3:GetObject': [...objects('2026'), ...objects('x').slice(0, 2)] } }, within });

    // Assess: 2026/* is within the role and replaces its ten; the two under x/ stay as they are (x/* is outside the role)
    expect(inside.document.Statement[0].Resource).toEqual(['arn:aws:s3:::reports/2026/*', ...objects('x').slice(0, 2)]);
  });

  it('refuses a plan that cannot fit in 2,048 characters, saying so', () => {
    // Prepare: 20 actions of 20 services, none sharing a verb, each on its own long resources.
    const actions = Array.from({ length: 20 }, (_, i) => `svc${i}:Act${String.fromCharCode(65 + i)}${'q'.repeat(40)}`);
    const resources = Object.fromEntries(actions.map((a, i) => [a, [`arn:aws:svc${i}:eu-west-1:${account}:thing-${'r'.repeat(60)}`]]));

    // Act / Assess
    const build = () => grantSessionPolicy({ expiresAt, regions: ['eu-west-1'], plan: { actions, resources } });
    expect(build).toThrow(PlanTooLargeError);
    expect(build).toThrow(/plannedActions: the plan needs a session policy of \d+ characters after compression; STS allows 2048/);
  });
});

describe('Plan-scoped session: the sandbox evaluator and iam-simulate agree', () => {
  const planned = grantSessionPolicy({
    expiresAt,
    regions: ['eu-west-1'],
    plan: { actions: ['ecs:UpdateService', 'ecs:DescribeServices'], resources: { 'ecs:UpdateService': [service] } },
  }).json;
  const unscoped = grantSessionPolicy({ expiresAt, regions: ['eu-west-1'] }).json;

  it('allows a planned call on its planned resource', async () => {
    await expect(decide(planned, 'ecs:UpdateService', service, 'eu-west-1')).resolves.toBe('Allowed');
    await expect(decide(planned, 'ecs:DescribeServices', service, 'eu-west-1')).resolves.toBe('Allowed');
  });

  it('refuses an unplanned call the role allows, and a planned action on another resource', async () => {
    await expect(decide(planned, 'ec2:StopInstances', `arn:aws:ec2:eu-west-1:${account}:instance/i-0123456789abcdef0`, 'eu-west-1')).resolves.toBe('ImplicitlyDenied');
    await expect(decide(planned, 'ecs:UpdateService', `arn:aws:ecs:eu-west-1:${account}:service/prod/ledger`, 'eu-west-1')).resolves.toBe('ImplicitlyDenied');
    // Without a plan, the same call is the role's.
    await expect(decide(unscoped, 'ec2:StopInstances', `arn:aws:ec2:eu-west-1:${account}:instance/i-0123456789abcdef0`, 'eu-west-1')).resolves.toBe('Allowed');
  });

  it('refuses every call in a region the audit does not read, planned or not', async () => {
    const elsewhere = `arn:aws:ecs:ap-southeast-2:${account}:service/prod/payments`;
    await expect(decide(planned, 'ecs:UpdateService', elsewhere, 'ap-southeast-2')).resolves.toBe('ExplicitlyDenied');
    await expect(decide(unscoped, 'ec2:StopInstances', `arn:aws:ec2:sa-east-1:${account}:instance/i-0123456789abcdef0`, 'sa-east-1')).resolves.toBe('ExplicitlyDenied');
  });

  it('lets global services through in us-east-1, and nothing regional there unless us-east-1 is audited', async () => {
    const securityRole = [{ name: 'Iam', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:GetRole', 'ec2:DescribeInstances'], Resource: '*' }] } }];
    const at = '2026-03-01T10:02:00Z';
    const input = (action: string, resource: string) => ({ principal, session: { sourceIdentity: 'jit-req-plan-0001', issuedAt: '2026-03-01T10:00:00Z' }, action, resource, region: 'us-east-1', at });
    const both = async (action: string, resource: string) => {
      const simulated = await evaluate({ ...input(action, resource), resourceAccount: account, identityPolicies: securityRole, sessionPolicy: unscoped });
      const ours = evaluatePolicies(
        { identity: [toPolicyDocument(securityRole[0].policy)], sessionPolicy: toPolicyDocument(JSON.parse(unscoped)) },
        { principalArn: principal, action, resource, context: contextOf(input(action, resource)) },
      ).decision;
      expect(ours).toBe(simulated);
      return ours;
    };
    await expect(both('iam:GetRole', `arn:aws:iam::${account}:role/app`)).resolves.toBe('Allowed');
    await expect(both('ec2:DescribeInstances', '*')).resolves.toBe('ExplicitlyDenied');
  });
});
