import { assumedRoleSessionArn, BOUNDED_PRINCIPAL_PATH, BROKER_NAMES, CEILING_TAGS, STACK_NAMES, TARGET_NAMES } from '../../../handlers/core/resource-names';
import { timeFencedSessionPolicy } from '../../../handlers/core/session-policy';
import { evaluate, type Decision, type RequestParameters } from '../../helpers/iam-simulator';
import { iamFixture } from '../../helpers/iam-fixture';
import { App, Stack } from 'aws-cdk-lib';
import { ElevationCeiling, type ElevationCeilingProps } from '../../../infra/constructs/elevation-ceiling';
import { identityPoliciesOfRole, managedPolicyNamed, synthesizedStack, type NamedPolicy } from '../../helpers/iam-template';

/**
 * Containment: no way out of the time box through roles, compute and controls that already exist.
 * Each request is evaluated against the synthesized target template, for every elevated role, with its
 * own policies and with them replaced by `Allow *` (the ceiling still attached), with the context AWS
 * builds (sandbox/iam/request-context.ts). docs/security-model.md's escalation table cites these tests.
 */
const f = iamFixture();
const account = f.prodAccount;
const region = f.region;
const boundaryArn = `arn:aws:iam::${account}:policy/${TARGET_NAMES.boundaryPolicy}`;
const sessionPolicy = timeFencedSessionPolicy(new Date('2026-03-01T10:05:00Z'));
const ceiling: NamedPolicy[] = [TARGET_NAMES.denyAlwaysPolicy, TARGET_NAMES.denyDetectionPolicy, TARGET_NAMES.denyBrokerPolicy].map((name) => ({
  name,
  policy: managedPolicyNamed(f.prod, name),
}));
const allowEverything: NamedPolicy = { name: 'AllowEverything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };

/** An existing administrator role and user of the account, created outside any grant. */
const adminRole = `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`;
const keyedUser = `arn:aws:iam::${account}:user/ci-deployer`;
const boundedRole = `arn:aws:iam::${account}:role${BOUNDED_PRINCIPAL_PATH}app-worker`;
const boundedUser = `arn:aws:iam::${account}:user${BOUNDED_PRINCIPAL_PATH}app-robot`;
const instance = `arn:aws:ec2:${region}:${account}:instance/i-0123456789abcdef0`;
const fn = `arn:aws:lambda:${region}:${account}:function:payments-api`;

interface Request {
  readonly action: string;
  readonly resource: string;
  readonly request?: RequestParameters;
}

const variants: Array<[string, (role: string) => NamedPolicy[]]> = [
  ['its own policies', (role) => identityPoliciesOfRole(f.prod, role)],
  ['Allow *', () => [allowEverything, ...ceiling]],
];

function asSession(role: string, policies: NamedPolicy[]) {
  return (r: Request): Promise<Decision> =>
    evaluate({
      principal: assumedRoleSessionArn('aws', account, role, 'jit-req-contain-0001'),
      session: { sourceIdentity: 'jit-req-contain-0001', issuedAt: '2026-03-01T10:00:00Z' },
      action: r.action,
      resource: r.resource,
      resourceAccount: r.resource.split(':')[4] || account,
      identityPolicies: policies,
      sessionPolicy,
      ...(r.request ? { request: r.request } : {}),
    });
}
/** A session of an elevated role deployed in the hub (the hub is also a target), under `Allow *`. */
function evaluateInHub(action: string, resource: string, policies: NamedPolicy[] = ceilingOf({}), request?: RequestParameters): Promise<Decision> {
  return evaluate({
    principal: assumedRoleSessionArn('aws', f.hub, f.elevatedRoleNames[0], 'jit-req-contain-0001'),
    session: { sourceIdentity: 'jit-req-contain-0001', issuedAt: '2026-03-01T10:00:00Z' },
    action,
    resource,
    resourceAccount: f.hub,
    identityPolicies: [allowEverything, ...policies],
    sessionPolicy,
    ...(request ? { request } : {}),
  });
}

/** The ceiling of a target stack deployed into the hub itself, synthesized alone. */
function ceilingOf(extra: Partial<ElevationCeilingProps>): NamedPolicy[] {
  const stack = new Stack(new App(), 'HubAsTarget', { env: { account: f.hub, region } });
  new ElevationCeiling(stack, 'Ceiling', { partition: 'aws', accountId: f.hub, hubAccount: f.hub, hubRegion: region, elevatedRoleNames: f.elevatedRoleNames, ...extra });
  const synthesized = synthesizedStack(stack);
  return [TARGET_NAMES.denyAlwaysPolicy, TARGET_NAMES.denyDetectionPolicy, TARGET_NAMES.denyBrokerPolicy].map((name) => ({ name, policy: managedPolicyNamed(synthesized, name) }));
}
const adminLike = (role = f.elevatedRoleNames[0]!) => asSession(role, [allowEverything, ...ceiling]);
const securityRole = f.elevatedRoleNames.find((n) => n.toLowerCase().endsWith('security'))!;
const security = asSession(securityRole, identityPoliciesOfRole(f.prod, securityRole));

/** Services a passed role lends its permissions to: the public catalogs' PassRole paths. */
const PASS_ROLE_SERVICES = [
  'lambda.amazonaws.com',
  'ec2.amazonaws.com',
  'ecs-tasks.amazonaws.com',
  'glue.amazonaws.com',
  'sagemaker.amazonaws.com',
  'codebuild.amazonaws.com',
  'datapipeline.amazonaws.com',
  'cloudformation.amazonaws.com',
  'states.amazonaws.com',
  'events.amazonaws.com',
  'scheduler.amazonaws.com',
];

/**
 * The escalation catalog (PassRole with each service, policy versions, trust, attaching policies to
 * existing roles, code and commands on existing compute, user data, Instance Connect, ...): each must
 * be explicitly denied, for every role, with its policies and under `Allow *`.
 */
export const ESCALATION_CATALOG: Array<[string, Request]> = [
  ...PASS_ROLE_SERVICES.map((service): [string, Request] => [`PassRole of an existing role to ${service}`, { action: 'iam:PassRole', resource: adminRole, request: { passedToService: service } }]),
  ['CreatePolicyVersion', { action: 'iam:CreatePolicyVersion', resource: `arn:aws:iam::${account}:policy/AppAccess` }],
  ['SetDefaultPolicyVersion', { action: 'iam:SetDefaultPolicyVersion', resource: `arn:aws:iam::${account}:policy/AppAccess` }],
  ['UpdateAssumeRolePolicy on an existing role', { action: 'iam:UpdateAssumeRolePolicy', resource: adminRole }],
  ['AttachRolePolicy on an existing role', { action: 'iam:AttachRolePolicy', resource: adminRole }],
  ['PutRolePolicy on an existing role', { action: 'iam:PutRolePolicy', resource: adminRole }],
  ['AttachUserPolicy on an existing user', { action: 'iam:AttachUserPolicy', resource: keyedUser }],
  ['Grafting: PutRolePermissionsBoundary onto an existing role', { action: 'iam:PutRolePermissionsBoundary', resource: adminRole, request: { permissionsBoundary: boundaryArn } }],
  ['Grafting: PutUserPermissionsBoundary onto an existing user', { action: 'iam:PutUserPermissionsBoundary', resource: keyedUser, request: { permissionsBoundary: boundaryArn } }],
  ['Grafting: moving a user onto the bounded path', { action: 'iam:UpdateUser', resource: keyedUser }],
  ['AddUserToGroup', { action: 'iam:AddUserToGroup', resource: `arn:aws:iam::${account}:group/Admins` }],
  ['CreateAccessKey', { action: 'iam:CreateAccessKey', resource: keyedUser }],
  ['CreateLoginProfile', { action: 'iam:CreateLoginProfile', resource: keyedUser }],
  ['sts:AssumeRole (chaining)', { action: 'sts:AssumeRole', resource: adminRole }],
  ['lambda:UpdateFunctionCode', { action: 'lambda:UpdateFunctionCode', resource: fn }],
  ['lambda:UpdateFunctionConfiguration (layers, environment)', { action: 'lambda:UpdateFunctionConfiguration', resource: fn }],
  ['lambda:CreateFunctionUrlConfig (public URL)', { action: 'lambda:CreateFunctionUrlConfig', resource: fn }],
  ['lambda:AddPermission', { action: 'lambda:AddPermission', resource: fn }],
  ['ssm:SendCommand', { action: 'ssm:SendCommand', resource: instance }],
  ['ssm:StartSession', { action: 'ssm:StartSession', resource: instance }],
  ['ssm:CreateAssociation', { action: 'ssm:CreateAssociation', resource: instance }],
  ['EC2 Instance Connect', { action: 'ec2-instance-connect:SendSSHPublicKey', resource: instance }],
  ['EC2 serial console', { action: 'ec2-instance-connect:SendSerialConsoleSSHPublicKey', resource: instance }],
  ['User data (ModifyInstanceAttribute)', { action: 'ec2:ModifyInstanceAttribute', resource: instance }],
  ['ecs:ExecuteCommand', { action: 'ecs:ExecuteCommand', resource: `arn:aws:ecs:${region}:${account}:task/prod/0123456789abcdef` }],
  ['codebuild:StartBuild on an existing project', { action: 'codebuild:StartBuild', resource: `arn:aws:codebuild:${region}:${account}:project/release` }],
  ['codebuild:UpdateProject', { action: 'codebuild:UpdateProject', resource: `arn:aws:codebuild:${region}:${account}:project/release` }],
  ['cloudformation:UpdateStack with its existing service role', { action: 'cloudformation:UpdateStack', resource: `arn:aws:cloudformation:${region}:${account}:stack/app/abc` }],
  ['cloudformation:CreateChangeSet with its existing service role', { action: 'cloudformation:CreateChangeSet', resource: `arn:aws:cloudformation:${region}:${account}:stack/app/abc` }],
  ['sagemaker:CreatePresignedNotebookInstanceUrl', { action: 'sagemaker:CreatePresignedNotebookInstanceUrl', resource: `arn:aws:sagemaker:${region}:${account}:notebook-instance/research` }],
  ['glue:UpdateDevEndpoint (SSH key)', { action: 'glue:UpdateDevEndpoint', resource: `arn:aws:glue:${region}:${account}:devEndpoint/etl` }],
  ['datapipeline:PutPipelineDefinition', { action: 'datapipeline:PutPipelineDefinition', resource: `arn:aws:datapipeline:${region}:${account}:pipeline/df-0123456789` }],
  ['Setting the operator’s access mark', { action: 'lambda:TagResource', resource: fn, request: { tagKeys: [CEILING_TAGS.elevatedAccess] } }],
  ['Removing the operator’s security mark', { action: 'events:UntagResource', resource: `arn:aws:events:${region}:${account}:rule/alerts`, request: { tagKeys: [CEILING_TAGS.security] } }],
];

describe('Containment: every catalogued escalation path, for every elevated role', () => {
  describe.each(f.elevatedRoleNames)('%s', (role) => {
    it.each(variants)('is explicitly denied every path, with %s', async (_variant, policiesOf) => {
      const as = asSession(role, policiesOf(role));
      const decisions = await Promise.all(ESCALATION_CATALOG.map(async ([path, r]) => [path, await as(r)] as const));
      expect(decisions.filter(([, d]) => d !== 'ExplicitlyDenied')).toEqual([]);
    });
  });
});

describe('Containment: no grafting', () => {
  it('denies the role grafting sequence at its first step, and each later step on its own', async () => {
    for (const as of [security, adminLike()]) {
      await expect(as({ action: 'iam:PutRolePermissionsBoundary', resource: adminRole, request: { permissionsBoundary: boundaryArn } })).resolves.toBe('ExplicitlyDenied');
      // Had the boundary been put, the role would carry it: the second step is denied all the same.
      await expect(as({ action: 'iam:UpdateAssumeRolePolicy', resource: adminRole, request: { permissionsBoundary: boundaryArn } })).resolves.toBe('ExplicitlyDenied');
    }
  });

  it('denies the user grafting sequence at its first step, and each later step on its own', async () => {
    const as = adminLike();
    await expect(as({ action: 'iam:PutUserPermissionsBoundary', resource: keyedUser, request: { permissionsBoundary: boundaryArn } })).resolves.toBe('ExplicitlyDenied');
    await expect(as({ action: 'iam:AttachUserPolicy', resource: keyedUser, request: { permissionsBoundary: boundaryArn } })).resolves.toBe('ExplicitlyDenied');
  });

  it('lets the Security role create and change principals on the bounded path, with the boundary only', async () => {
    const request = { permissionsBoundary: boundaryArn };
    await expect(security({ action: 'iam:CreateRole', resource: boundedRole, request })).resolves.toBe('Allowed');
    await expect(security({ action: 'iam:CreateUser', resource: boundedUser, request })).resolves.toBe('Allowed');
    await expect(security({ action: 'iam:AttachRolePolicy', resource: boundedRole, request })).resolves.toBe('Allowed');
    await expect(security({ action: 'iam:CreateRole', resource: boundedRole })).resolves.toBe('ExplicitlyDenied');
    // The boundary alone no longer suffices: off the path, creation is denied.
    await expect(security({ action: 'iam:CreateRole', resource: `arn:aws:iam::${account}:role/app-worker`, request })).resolves.toBe('ExplicitlyDenied');
  });
});

describe('Containment: no hand-off', () => {
  it.each(PASS_ROLE_SERVICES)('lets a session pass a role created under a grant to %s, and nothing else', async (service) => {
    await expect(adminLike()({ action: 'iam:PassRole', resource: boundedRole, request: { passedToService: service } })).resolves.toBe('Allowed');
    await expect(adminLike()({ action: 'iam:PassRole', resource: `arn:aws:iam::${account}:role/service-role/app`, request: { passedToService: service } })).resolves.toBe('ExplicitlyDenied');
  });

  it.each([
    ['lambda:UpdateFunctionCode', fn],
    ['lambda:AddPermission', fn],
    ['ssm:SendCommand', instance],
    ['ssm:StartSession', instance],
    ['ec2:ModifyInstanceAttribute', instance],
    ['ec2-instance-connect:SendSSHPublicKey', instance],
  ])('allows %s on a resource the operator tagged for elevated access', async (action, resource) => {
    await expect(adminLike()({ action, resource, request: { resourceTags: { [CEILING_TAGS.elevatedAccess]: 'true' } } })).resolves.toBe('Allowed');
    await expect(adminLike()({ action, resource, request: { resourceTags: { team: 'payments' } } })).resolves.toBe('ExplicitlyDenied');
  });

  it('does not deny SendCommand for the document: the instance decides', async () => {
    await expect(adminLike()({ action: 'ssm:SendCommand', resource: `arn:aws:ssm:${region}:${account}:document/AWS-RunShellScript` })).resolves.toBe('Allowed');
  });

  it('lets a session tag with its own keys, never with the operator’s', async () => {
    await expect(adminLike()({ action: 'ec2:CreateTags', resource: instance, request: { tagKeys: ['team'] } })).resolves.toBe('Allowed');
    await expect(adminLike()({ action: 'ec2:CreateTags', resource: instance, request: { tagKeys: ['team', CEILING_TAGS.security] } })).resolves.toBe('ExplicitlyDenied');
    await expect(adminLike()({ action: 'ec2:DeleteTags', resource: instance, request: { tagKeys: [CEILING_TAGS.elevatedAccess] } })).resolves.toBe('ExplicitlyDenied');
  });
});

describe('Containment: detection stays on', () => {
  const tagged = { resourceTags: { [CEILING_TAGS.security]: 'true' } };
  it.each([
    ['events:PutRule', `arn:aws:events:${region}:${account}:rule/guardduty-findings`],
    ['events:DisableRule', `arn:aws:events:${region}:${account}:rule/guardduty-findings`],
    ['events:RemoveTargets', `arn:aws:events:${region}:${account}:rule/guardduty-findings`],
    ['events:PutTargets', `arn:aws:events:${region}:${account}:rule/guardduty-findings`],
    ['sns:SetTopicAttributes', `arn:aws:sns:${region}:${account}:security-alerts`],
    ['sns:DeleteTopic', `arn:aws:sns:${region}:${account}:security-alerts`],
    ['sns:Unsubscribe', `arn:aws:sns:${region}:${account}:security-alerts`],
    ['cloudwatch:PutMetricAlarm', `arn:aws:cloudwatch:${region}:${account}:alarm:root-login`],
    ['logs:DeleteMetricFilter', `arn:aws:logs:${region}:${account}:log-group:security-audit`],
    ['logs:DeleteSubscriptionFilter', `arn:aws:logs:${region}:${account}:log-group:security-audit`],
    ['logs:PutRetentionPolicy', `arn:aws:logs:${region}:${account}:log-group:security-audit`],
  ])('denies %s on a control the operator marked jit:security, and leaves unmarked ones alone', async (action, resource) => {
    await expect(adminLike()({ action, resource, request: tagged })).resolves.toBe('ExplicitlyDenied');
    await expect(adminLike()({ action, resource, request: { resourceTags: { team: 'app' } } })).resolves.toBe('Allowed');
  });

  it.each([
    ['logs:DeleteMetricFilter', `arn:aws:logs:${region}:${account}:log-group:aws-cloudtrail-logs-${account}-abc`],
    ['logs:PutSubscriptionFilter', `arn:aws:logs:${region}:${account}:log-group:aws-controltower/CloudTrailLogs`],
    ['logs:DeleteLogGroup', `arn:aws:logs:${region}:${account}:log-group:aws-cloudtrail-logs-${account}-abc`],
    ['s3:PutBucketPolicy', `arn:aws:s3:::aws-cloudtrail-logs-${account}-abc`],
    ['s3:PutLifecycleConfiguration', `arn:aws:s3:::aws-cloudtrail-logs-${account}-abc`],
    ['s3:DeleteObject', `arn:aws:s3:::aws-controltower-logs-${account}-${region}/AWSLogs/x.json.gz`],
    ['cloudwatch:DeleteAlarms', `arn:aws:cloudwatch:${region}:${account}:alarm:any`],
    ['ec2:DeleteFlowLogs', '*'],
    ['access-analyzer:CreateArchiveRule', `arn:aws:access-analyzer:${region}:${account}:analyzer/org/archive-rule/hide`],
    ['access-analyzer:UpdateArchiveRule', `arn:aws:access-analyzer:${region}:${account}:analyzer/org/archive-rule/hide`],
    ['guardduty:CreateIPSet', '*'],
    ['guardduty:DisassociateMembers', '*'],
    ['securityhub:BatchUpdateFindings', '*'],
    ['config:PutConfigurationRecorder', '*'],
    ['config:PutDeliveryChannel', '*'],
    ['sso:CreatePermissionSet', `arn:aws:sso:::instance/ssoins-0123456789abcdef`],
    ['identitystore:CreateGroupMembership', `arn:aws:identitystore::${account}:identitystore/d-0123456789`],
  ])('denies %s on the account’s own detection, without any mark', async (action, resource) => {
    await expect(adminLike()({ action, resource })).resolves.toBe('ExplicitlyDenied');
  });

  it('still lets a session read findings and logs', async () => {
    await expect(adminLike()({ action: 'guardduty:ListFindings', resource: '*' })).resolves.toBe('Allowed');
    await expect(adminLike()({ action: 'logs:FilterLogEvents', resource: `arn:aws:logs:${region}:${account}:log-group:aws-cloudtrail-logs-${account}-abc` })).resolves.toBe('Allowed');
  });
});

describe('Containment: every broker resource stays read-only', () => {
  const hubQueue = (name: string) => `arn:aws:sqs:${region}:${f.hub}:${name}`;
  it.each([
    ['sqs:SendMessage', hubQueue(BROKER_NAMES.notificationQueue)],
    ['sqs:ReceiveMessage', hubQueue(BROKER_NAMES.notificationQueue)],
    ['sqs:PurgeQueue', hubQueue(BROKER_NAMES.notificationQueue)],
    ['sqs:SetQueueAttributes', hubQueue(`${STACK_NAMES.broker}-UndeliverableRequests0123-AbCdEf`)],
    ['sqs:SendMessage', hubQueue(`${STACK_NAMES.broker}-UndeliverableRequests0123-AbCdEf`)],
    // The simulator's service reference lists only the REST API types (`/restapis/...`) for these verbs;
    // the statement's `/*` covers the HTTP API's `/apis/...` the same way.
    ['apigateway:PATCH', `arn:aws:apigateway:${region}::/restapis/a1b2c3d4e5`],
    ['apigateway:DELETE', `arn:aws:apigateway:${region}::/restapis/a1b2c3d4e5`],
    ['apigateway:POST', `arn:aws:apigateway:${region}::/restapis`],
  ])('denies %s on the hub’s %s', async (action, resource) => {
    // API Gateway ARNs carry no account: the request is placed in the hub, as AWS places it.
    const as = asSession(f.elevatedRoleNames[0]!, [allowEverything, ...ceiling]);
    await expect(resource.includes(':apigateway:') ? evaluateInHub(action, resource) : as({ action, resource })).resolves.toBe('ExplicitlyDenied');
  });

  it('leaves API Gateway alone in a target that is not the hub', async () => {
    await expect(adminLike()({ action: 'apigateway:PATCH', resource: `arn:aws:apigateway:${region}::/restapis/a1b2c3d4e5` })).resolves.toBe('Allowed');
  });

  it('protects the agent’s own identity whatever its name', async () => {
    const policy = ceilingOf({ agent: { kind: 'user', name: 'ci-bot' } });
    for (const action of ['iam:AttachUserPolicy', 'iam:CreateAccessKey', 'iam:DeleteUser', 'iam:PutUserPolicy']) {
      await expect(evaluateInHub(action, `arn:aws:iam::${f.hub}:user/ci-bot`, policy)).resolves.toBe('ExplicitlyDenied');
    }
  });

  // KMS evaluates `aws:ResourceTag/<key>` against the key's own tags on every key operation, and the
  // ceiling already denies setting or removing a `jit:` tag, so the mark cannot be shed first.
  // @see https://docs.aws.amazon.com/kms/latest/developerguide/tag-authorization.html
  it('keeps the broker’s keys (marked jit:security) out of reach: no policy change, no use, no deletion', async () => {
    const key = `arn:aws:kms:${region}:${f.hub}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
    // A KMS key is usable through IAM only where its key policy delegates to the account, as CDK's
    // default key policy does (the broker's keys keep that statement).
    // @see https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    const keyPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${f.hub}:root` }, Action: 'kms:*', Resource: '*' }] };
    const onKey = (action: string, tags: Record<string, string>) =>
      evaluate({
        principal: assumedRoleSessionArn('aws', f.hub, f.elevatedRoleNames[0]!, 'jit-req-contain-0001'),
        session: { sourceIdentity: 'jit-req-contain-0001', issuedAt: '2026-03-01T10:00:00Z' },
        action,
        resource: key,
        resourceAccount: f.hub,
        identityPolicies: [allowEverything, ...ceilingOf({})],
        sessionPolicy,
        resourcePolicy: keyPolicy,
        // KMS evaluates `aws:ResourceTag/<key>` against the key's own tags on every key operation, and the
        // ceiling denies setting or removing a `jit:` tag, so the mark cannot be shed first.
        // @see https://docs.aws.amazon.com/kms/latest/developerguide/tag-authorization.html
        request: { resourceTags: tags },
      });
    const marked = { [CEILING_TAGS.security]: 'true' };
    for (const action of ['kms:PutKeyPolicy', 'kms:Sign', 'kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:CreateGrant', 'kms:Decrypt', 'kms:UpdateKeyDescription']) {
      await expect(onKey(action, marked)).resolves.toBe('ExplicitlyDenied');
      await expect(onKey(action, { team: 'app' })).resolves.toBe('Allowed');
    }
    // An auditor's checks still work for the session: the public key and Verify.
    for (const action of ['kms:GetPublicKey', 'kms:Verify', 'kms:DescribeKey', 'kms:GetKeyPolicy']) {
      await expect(onKey(action, marked)).resolves.toBe('Allowed');
    }
  });

  it('keeps the approval sender’s SES identities the broker’s', async () => {
    const policy = ceilingOf({ sender: 'jit@example.com' });
    for (const resource of [`arn:aws:ses:${region}:${f.hub}:identity/jit@example.com`, `arn:aws:ses:${region}:${f.hub}:identity/example.com`]) {
      for (const action of ['ses:SendEmail', 'ses:DeleteEmailIdentity', 'ses:PutEmailIdentityFeedbackAttributes']) {
        await expect(evaluateInHub(action, resource, policy)).resolves.toBe('ExplicitlyDenied');
      }
    }
  });
});

describe('Containment: a principal created under a grant meets the same walls', () => {
  const boundary = managedPolicyNamed(f.prod, TARGET_NAMES.boundaryPolicy);
  it('is denied every catalogued path with AdministratorAccess, by its boundary alone', async () => {
    const decisions = await Promise.all(
      ESCALATION_CATALOG.map(async ([path, r]) => [
        path,
        await evaluate({
          principal: assumedRoleSessionArn('aws', account, 'app-worker', 'worker'),
          action: r.action,
          resource: r.resource,
          resourceAccount: r.resource.split(':')[4] || account,
          identityPolicies: [allowEverything],
          permissionsBoundary: boundary,
          ...(r.request ? { request: r.request } : {}),
        }),
      ] as const),
    );
    expect(decisions.filter(([, d]) => d === 'Allowed')).toEqual([]);
  });
});

describe('Containment: the operator’s passable roles', () => {
  const orders = `arn:aws:iam::${f.hub}:role/service-role/orders-task`;
  const policy = ceilingOf({ passableRoles: [{ roleName: 'service-role/orders-task', services: ['ecs-tasks.amazonaws.com'] }] });
  it('lets a session pass a listed role to its listed service only', async () => {
    await expect(evaluateInHub('iam:PassRole', orders, policy, { passedToService: 'ecs-tasks.amazonaws.com' })).resolves.toBe('Allowed');
    for (const service of ['lambda.amazonaws.com', 'ec2.amazonaws.com', 'cloudformation.amazonaws.com']) {
      await expect(evaluateInHub('iam:PassRole', orders, policy, { passedToService: service })).resolves.toBe('ExplicitlyDenied');
    }
  });

  it('still refuses every unlisted role', async () => {
    await expect(evaluateInHub('iam:PassRole', `arn:aws:iam::${f.hub}:role/OrganizationAccountAccessRole`, policy, { passedToService: 'ecs-tasks.amazonaws.com' })).resolves.toBe(
      'ExplicitlyDenied',
    );
  });
});
