import * as iam from 'aws-cdk-lib/aws-iam';
import { Stack, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { secretNameFor } from '../../handlers/core/broker-settings';
import { NEVER_EVEN_ELEVATED, NEVER_EVEN_ELEVATED_SID } from '../../handlers/core/deny-list';
import {
  BOUNDED_PRINCIPAL_PATH,
  BROKER_NAMES,
  CEILING_TAGS,
  DEFAULT_AGENT_NAME,
  STACK_NAMES,
  TARGET_NAMES,
  auditBucketName,
  managedPolicyArn,
} from '../../handlers/core/resource-names';

/** A role outside the broker's bounds that an operator lets elevated sessions pass, to named services only. */
export interface PassableRole {
  /** IAM role name (with its path, if any), in the target account. */
  readonly roleName: string;
  /** Service principals it may be passed to (`iam:PassedToService`), e.g. `ecs-tasks.amazonaws.com`. */
  readonly services: readonly string[];
}

/** What the ceiling must know to name the broker's resources without any cross-account reference. */
export interface ElevationCeilingProps {
  /** Partition of the target account (usually `Aws.PARTITION`). */
  readonly partition: string;
  /** The target account the policies are created in; the boundary's ARN is built from it. */
  readonly accountId: string;
  readonly hubAccount: string;
  readonly hubRegion: string;
  /**
   * IAM names of every configured elevated role. Names starting with `jit-` are protected by prefix
   * already; the others are listed one by one.
   */
  readonly elevatedRoleNames: readonly string[];
  /** The agent's IAM identity in the hub, protected whatever its name. @default user `jit-agent` */
  readonly agent?: { readonly kind: 'user' | 'role'; readonly name: string };
  /** The other agents' identities, when there are several (docs/agent.md#several-agents). @default none */
  readonly otherAgents?: ReadonlyArray<{ readonly kind: 'user' | 'role'; readonly name: string }>;
  /** The approval email's sender: its SES identities (address and domain) stay the broker's. */
  readonly sender?: string;
  /** Roles outside the broker's bounds an elevated session may pass, each to its services only. */
  readonly passableRoles?: readonly PassableRole[];
}

/** Everything matching these stays read-only to an elevated session, whichever account it sits in. */
function brokerArns(p: ElevationCeilingProps) {
  const arn = (service: string, resource: string, region = '*') => `arn:${p.partition}:${service}:${region}:*:${resource}`;
  const role = (name: string) => `arn:${p.partition}:iam::*:role/${name}`;
  const bucket = `arn:${p.partition}:s3:::${auditBucketName(p.hubAccount, p.hubRegion)}`;
  const agent = p.agent ?? { kind: 'user', name: DEFAULT_AGENT_NAME };
  return {
    identities: [
      role('jit-*'),
      role(`${STACK_NAMES.broker}-*`),
      role(`${STACK_NAMES.targetPrefix}*`),
      ...[...new Set(p.elevatedRoleNames)].filter((name) => !name.startsWith('jit-')).map(role),
      // CDK bootstrap roles: the deploy and CloudFormation execution roles hold administrator rights.
      role('cdk-*'),
      `arn:${p.partition}:iam::*:user/jit-*`,
      ...[agent, ...(p.otherAgents ?? [])].filter((a) => !a.name.startsWith('jit-')).map((a) => `arn:${p.partition}:iam::*:${a.kind}/${a.name}`),
      `arn:${p.partition}:iam::*:policy/jit-*`,
    ],
    // Every agent's grant secrets: `agent/elevated/<account>` and `agent/<id>/elevated/<account>`.
    secrets: [arn('secretsmanager', `secret:${secretNameFor('*')}`), arn('secretsmanager', 'secret:agent/*/elevated/*')],
    requestTable: [arn('dynamodb', `table/${BROKER_NAMES.requestTable}`), arn('dynamodb', `table/${BROKER_NAMES.requestTable}/*`)],
    workflow: [
      arn('states', `stateMachine:${BROKER_NAMES.stateMachine}`),
      arn('states', `execution:${BROKER_NAMES.stateMachine}:*`),
      arn('events', `event-bus/${BROKER_NAMES.eventBus}`),
      arn('events', `rule/${BROKER_NAMES.eventBus}/*`),
      // The tripwire forwarders on the target accounts' default buses, named by CloudFormation after their
      // stacks (`JitTarget-<name>…`): deleting or disabling one would blind the tripwires of its region.
      arn('events', `rule/${STACK_NAMES.targetPrefix}*`),
      arn('scheduler', `schedule/${BROKER_NAMES.scheduleGroup}/*`),
      arn('scheduler', `schedule-group/${BROKER_NAMES.scheduleGroup}`),
      arn('lambda', `function:${STACK_NAMES.broker}-*`),
      arn('logs', `log-group:${STACK_NAMES.broker}-*`),
    ],
    // The agent's notification queue and the broker's dead-letter queue (named by CloudFormation after
    // the stack): a forged message would tell a waiting agent a false outcome.
    queues: [arn('sqs', BROKER_NAMES.notificationQueue), arn('sqs', `${BROKER_NAMES.notificationQueue}-*`), arn('sqs', `${STACK_NAMES.broker}-*`)],
    // The sender's identities: whoever controls them can send "approval" mail as the broker or change
    // where its bounces and feedback go. The broker uses no configuration set; `jit-*` is reserved.
    email: [
      ...(p.sender ? [arn('ses', `identity/${p.sender}`), arn('ses', `identity/${p.sender.split('@')[1] ?? p.sender}`)] : []),
      arn('ses', 'configuration-set/jit-*'),
    ],
    auditReports: [bucket, `${bucket}/*`],
    stacks: [
      arn('cloudformation', `stack/${STACK_NAMES.broker}/*`),
      arn('cloudformation', `stack/${STACK_NAMES.targetPrefix}*/*`),
      arn('cloudformation', 'stack/CDKToolkit/*'),
    ],
  };
}

function deny(sid: string, actions: string[], resources: string[] = ['*'], conditions?: Record<string, unknown>): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid, effect: iam.Effect.DENY, actions, resources, conditions });
}

/** Denies every action on `resources` except the listed reads. */
function denyAllBut(sid: string, reads: string[], resources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid, effect: iam.Effect.DENY, notActions: reads, resources });
}

/** The design's own hard ceiling, defined in handlers/core/deny-list.ts (the mint proves it before AssumeRole). */
export { NEVER_EVEN_ELEVATED };

/** IAM actions that create or change a principal's permissions; each must carry the broker's boundary. */
export const BOUNDED_IAM_ACTIONS = [
  'iam:CreateRole',
  'iam:CreateUser',
  'iam:AttachRolePolicy',
  'iam:AttachUserPolicy',
  'iam:DetachRolePolicy',
  'iam:DetachUserPolicy',
  'iam:PutRolePolicy',
  'iam:PutUserPolicy',
  'iam:DeleteRolePolicy',
  'iam:DeleteUserPolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:PutUserPermissionsBoundary',
  'iam:UpdateAssumeRolePolicy',
] as const;

/** What an elevated session may do to an existing compute resource only if the operator tagged it `jit:elevated-access`. */
export const CODE_AND_COMMAND_ACTIONS = [
  // New code or configuration (layers, environment, handler) in a function runs under its role.
  'lambda:UpdateFunctionCode',
  'lambda:UpdateFunctionConfiguration',
  'lambda:CreateFunctionUrlConfig',
  'lambda:UpdateFunctionUrlConfig',
  'lambda:AddPermission',
  // Commands and shells on an instance run under its instance profile.
  'ssm:SendCommand',
  'ssm:StartSession',
  'ssm:CreateAssociation',
  'ec2-instance-connect:SendSSHPublicKey',
  'ec2-instance-connect:SendSerialConsoleSSHPublicKey',
  // User data runs at the next start.
  'ec2:ModifyInstanceAttribute',
  'ecs:ExecuteCommand',
  // An existing project, stack or notebook runs under the service role it already has: no PassRole.
  'codebuild:StartBuild',
  'codebuild:StartBuildBatch',
  'codebuild:UpdateProject',
  'cloudformation:UpdateStack',
  'cloudformation:CreateChangeSet',
  'cloudformation:ExecuteChangeSet',
  'sagemaker:CreatePresignedNotebookInstanceUrl',
] as const;

/** The resources `CODE_AND_COMMAND_ACTIONS` act on (documents, clusters and buckets are left to the other checks). */
function computeArns(partition: string): string[] {
  return [
    `arn:${partition}:lambda:*:*:function:*`,
    `arn:${partition}:ec2:*:*:instance/*`,
    `arn:${partition}:ssm:*:*:managed-instance/*`,
    `arn:${partition}:ecs:*:*:task/*`,
    `arn:${partition}:codebuild:*:*:project/*`,
    `arn:${partition}:cloudformation:*:*:stack/*`,
    `arn:${partition}:sagemaker:*:*:notebook-instance/*`,
  ];
}

/**
 * Every change that blinds the defenders, by verb, for each detection service (reads stay allowed, so a
 * Security role can still triage). Writes under every verb the IAM service reference lists for them.
 */
const DETECTION_SERVICE_WRITES: Record<string, string[]> = {
  guardduty: ['Accept', 'Archive', 'Create', 'Decline', 'Delete', 'Disable', 'Disassociate', 'Invite', 'Start', 'Stop', 'Update'],
  securityhub: ['Accept', 'BatchDisable', 'BatchUpdate', 'BatchDelete', 'Create', 'Decline', 'Delete', 'Disable', 'Disassociate', 'Invite', 'Update'],
  config: ['Delete', 'Disassociate', 'Put', 'Stop'],
  'access-analyzer': ['Apply', 'Create', 'Delete', 'Update'],
  cloudtrail: ['Delete', 'Update', 'Put', 'Stop', 'Deregister', 'Disable', 'Remove'],
  macie2: ['Create', 'Delete', 'Disable', 'Disassociate', 'Put', 'Update'],
  detective: ['Delete', 'Disable', 'Disassociate', 'Update'],
  // Identity Center administration: a permission set or an assignment is standing access to any account.
  sso: ['Attach', 'Create', 'Delete', 'Detach', 'Put', 'Update', 'Associate', 'Disassociate', 'Provision', 'Import'],
  identitystore: ['Create', 'Delete', 'Update'],
};

function detectionWrites(): string[] {
  return Object.entries(DETECTION_SERVICE_WRITES).flatMap(([service, verbs]) => verbs.map((verb) => `${service}:${verb}*`));
}

/** Log groups CloudTrail delivers to under the console's and Control Tower's default names. */
const CLOUDTRAIL_LOG_GROUPS = ['aws-cloudtrail-logs-*', 'aws-controltower/CloudTrailLogs*'];
/** Buckets CloudTrail delivers to under the console's and Control Tower's default names. */
const CLOUDTRAIL_BUCKETS = ['aws-cloudtrail-logs-*', 'aws-controltower-logs-*'];

/**
 * The deny-always ceiling (docs/security-model.md), in three managed policies so that each stays within
 * IAM's 6,144 characters (a role takes 10 managed policies by default):
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 * explicit denies that hold whatever an elevated role's own policy allows, even
 * `*`. Hand-written, because its exact shape is the security claim; the tests evaluate it with a policy
 * simulator.
 */
export function ceilingPolicies(props: ElevationCeilingProps): Array<{ id: string; name: string; description: string; statements: iam.PolicyStatement[] }> {
  return [
    { id: 'DenyAlways', name: TARGET_NAMES.denyAlwaysPolicy, description: 'JIT broker: no new standing access, no hand-off, whatever the role allows', statements: identityStatements(props) },
    { id: 'DenyDetection', name: TARGET_NAMES.denyDetectionPolicy, description: 'JIT broker: detection and audit stay on, whatever the role allows', statements: detectionStatements(props) },
    { id: 'DenyBroker', name: TARGET_NAMES.denyBrokerPolicy, description: 'JIT broker: the broker stays read-only, whatever the role allows', statements: brokerStatements(props) },
  ];
}

/** Every statement of the ceiling, in order. */
export function denyAlwaysStatements(props: ElevationCeilingProps): iam.PolicyStatement[] {
  return ceilingPolicies(props).flatMap((p) => p.statements);
}

/**
 * The ARNs IAM authorizes a principal created under a grant as: its path is the mark. A role's path is
 * fixed at creation (UpdateRole takes none); a user's can change (UpdateUser's NewPath, authorized on the
 * old and new ARN), so the ceiling denies UpdateUser.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateRole.html
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateUser.html
 */
function boundedPrincipalArns(p: ElevationCeilingProps): string[] {
  return ['role', 'user'].map((kind) => `arn:${p.partition}:iam::${p.accountId}:${kind}${BOUNDED_PRINCIPAL_PATH}*`);
}

function identityStatements(props: ElevationCeilingProps): iam.PolicyStatement[] {
  const boundaryArn = managedPolicyArn(props.partition, props.accountId, TARGET_NAMES.boundaryPolicy);
  const bounded = boundedPrincipalArns(props);
  const passable = props.passableRoles ?? [];
  const roleArnOf = (name: string) => `arn:${props.partition}:iam::${props.accountId}:role/${name.replace(/^\//, '')}`;
  return [
    deny(NEVER_EVEN_ELEVATED_SID, [...NEVER_EVEN_ELEVATED]),
    deny('DenyBillingAndAccountSettings', [
      'aws-portal:Modify*',
      'billing:Put*',
      'billing:Update*',
      'payments:Create*',
      'payments:Update*',
      'payments:Delete*',
      'iam:UpdateAccountPasswordPolicy',
      'iam:DeleteAccountPasswordPolicy',
      'iam:CreateAccountAlias',
      'iam:DeleteAccountAlias',
      'iam:SetSecurityTokenServicePreferences',
    ]),
    // Credentials that outlive the grant: each would turn a time-boxed session into standing access.
    deny('DenyPersistentCredentials', [
      'iam:CreateAccessKey',
      'iam:UpdateAccessKey',
      'iam:CreateLoginProfile',
      'iam:UpdateLoginProfile',
      'iam:CreateServiceSpecificCredential',
      'iam:UpdateServiceSpecificCredential',
      'iam:ResetServiceSpecificCredential',
      'iam:UploadSSHPublicKey',
      'iam:UpdateSSHPublicKey',
      'iam:UploadSigningCertificate',
      'iam:UpdateSigningCertificate',
      'iam:CreateVirtualMFADevice',
      'iam:EnableMFADevice',
      'iam:DeactivateMFADevice',
      'iam:ResyncMFADevice',
      'iam:CreateSAMLProvider',
      'iam:UpdateSAMLProvider',
      'iam:CreateOpenIDConnectProvider',
      'iam:UpdateOpenIDConnectProviderThumbprint',
      'iam:AddClientIDToOpenIDConnectProvider',
      'rolesanywhere:CreateTrustAnchor',
      'rolesanywhere:UpdateTrustAnchor',
      'rolesanywhere:EnableTrustAnchor',
      'rolesanywhere:CreateProfile',
      'rolesanywhere:UpdateProfile',
      'rolesanywhere:EnableProfile',
    ]),
    // A chained session carries neither the grant's session policy (the time fence) nor this ceiling,
    // which are attached to the elevated role's session only: chaining out of it is an escape.
    deny('DenyRoleChainingAndFederation', [
      'sts:AssumeRole',
      'sts:AssumeRoleWithSAML',
      'sts:AssumeRoleWithWebIdentity',
      'sts:AssumeRoot',
      'sts:GetFederationToken',
      'sts:GetSessionToken',
    ]),
    // Without the boundary, a role that may create principals or attach policies can mint a permanent
    // administrator. The condition key is absent when no boundary is given, which
    // StringNotEquals treats as a mismatch, so "no boundary" is denied too.
    deny('DenyPrincipalChangesWithoutTheBrokerBoundary', [...BOUNDED_IAM_ACTIONS], ['*'], {
      StringNotEquals: { 'iam:PermissionsBoundary': boundaryArn },
    }),
    // No grafting: only a principal created under a grant (on the bounded path, which IAM fixes at
    // creation) may be changed. An existing administrator role cannot be given the boundary and then
    // new trust or policies; an existing user with keys cannot be given the boundary and then a policy.
    new iam.PolicyStatement({ sid: 'DenyChangesToPrincipalsNotCreatedUnderAGrant', effect: iam.Effect.DENY, actions: [...BOUNDED_IAM_ACTIONS], notResources: bounded }),
    // Changes that no boundary condition can cover: removing a boundary, editing a managed policy that
    // may be attached to unbounded principals, groups (which cannot carry a boundary), and moving a
    // user onto the bounded path (UpdateUser's NewPath).
    deny('DenyBoundaryRemovalAndUnboundedPolicyChanges', [
      'iam:DeleteRolePermissionsBoundary',
      'iam:DeleteUserPermissionsBoundary',
      'iam:CreatePolicyVersion',
      'iam:SetDefaultPolicyVersion',
      'iam:AttachGroupPolicy',
      'iam:PutGroupPolicy',
      'iam:AddUserToGroup',
      'iam:UpdateUser',
    ]),
    // No hand-off: a role passed to a service lends that service its permissions, without the time
    // fence or this ceiling. Only roles created under a grant (bounded), and the operator's list, each
    // pinned to its services. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    new iam.PolicyStatement({
      sid: 'DenyPassingRolesTheBrokerDoesNotBound',
      effect: iam.Effect.DENY,
      actions: ['iam:PassRole'],
      notResources: [...bounded.slice(0, 1), ...passable.map((r) => roleArnOf(r.roleName))],
    }),
    ...passable.map((r, i) =>
      deny(`DenyPassingListedRole${i + 1}ToOtherServices`, ['iam:PassRole'], [roleArnOf(r.roleName)], {
        StringNotEquals: { 'iam:PassedToService': [...r.services] },
      }),
    ),
    // Existing compute runs under its own role: new code, commands or a shell there is a hand-off,
    // allowed only where the operator tagged the resource. The tag key is absent on an untagged resource,
    // and Null: true matches exactly that.
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourcetag
    // @see https://docs.aws.amazon.com/lambda/latest/dg/attribute-based-access-control.html
    deny('DenyCodeAndCommandsOnUntaggedCompute', [...CODE_AND_COMMAND_ACTIONS], computeArns(props.partition), {
      Null: { [`aws:ResourceTag/${CEILING_TAGS.elevatedAccess}`]: 'true' },
    }),
    // Hand-offs without a resource to tag: a dev endpoint's SSH key, a pipeline's definition.
    deny('DenyHandOffWithoutATaggableResource', ['glue:UpdateDevEndpoint', 'datapipeline:PutPipelineDefinition', 'datapipeline:ActivatePipeline']),
    // The operator's marks: no elevated session may set or remove a `jit:` tag, on any resource.
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-tagkeys
    deny('DenyTheOperatorsMarks', ['*'], ['*'], { 'ForAnyValue:StringLike': { 'aws:TagKeys': ['jit:*'] } }),
  ];
}

function detectionStatements(props: ElevationCeilingProps): iam.PolicyStatement[] {
  const arn = (service: string, resource: string) => `arn:${props.partition}:${service}:*:*:${resource}`;
  const securityTag = { Null: { [`aws:ResourceTag/${CEILING_TAGS.security}`]: 'false' } };
  const logGroupWrites = ['logs:Delete*', 'logs:Put*', 'logs:Disassociate*', 'logs:Associate*', 'logs:CreateLogStream'];
  return [
    deny('DenyDetectionChanges', [
      ...detectionWrites(),
      'ec2:DeleteFlowLogs',
      'cloudwatch:DeleteAlarms',
      'cloudwatch:DisableAlarmActions',
      'cloudwatch:SetAlarmState',
    ]),
    // CloudTrail's delivery: its log group (metric filters, subscriptions, retention) and its bucket.
    deny('DenyCloudTrailDeliveryChanges', logGroupWrites, CLOUDTRAIL_LOG_GROUPS.map((name) => arn('logs', `log-group:${name}`))),
    deny(
      'DenyCloudTrailBucketChanges',
      ['s3:Delete*', 's3:Put*', 's3:Replicate*', 's3:Restore*'],
      CLOUDTRAIL_BUCKETS.flatMap((name) => [`arn:${props.partition}:s3:::${name}`, `arn:${props.partition}:s3:::${name}/*`]),
    ),
    // What the operator marks `jit:security`: alert rules and their targets, alert topics, alarms, log groups.
    deny(
      'DenyChangesToMarkedSecurityControls',
      [
        'events:DeleteRule',
        'events:DisableRule',
        'events:PutRule',
        'events:PutTargets',
        'events:RemoveTargets',
        'sns:DeleteTopic',
        'sns:SetTopicAttributes',
        'sns:Unsubscribe',
        'sns:Subscribe',
        'sns:RemovePermission',
        'sns:AddPermission',
        'sns:PutDataProtectionPolicy',
        'cloudwatch:PutMetricAlarm',
        'cloudwatch:PutCompositeAlarm',
        ...logGroupWrites,
      ],
      [arn('events', 'rule/*'), arn('sns', '*'), arn('cloudwatch', 'alarm:*'), arn('logs', 'log-group:*')],
      securityTag,
    ),
  ];
}

function brokerStatements(props: ElevationCeilingProps): iam.PolicyStatement[] {
  const arns = brokerArns(props);
  return [
    // The broker itself: its roles and policies here and in the hub, the agent, the CDK bootstrap roles
    // that deploy it, its secrets, request store, workflow, bus, schedules, functions, logs, queues,
    // sender, reports, stacks.
    denyAllBut('DenyChangesToBrokerIdentities', ['iam:Get*', 'iam:List*'], arns.identities),
    deny('DenyBrokerSecrets', ['secretsmanager:*'], arns.secrets),
    // The request store holds task tokens and capability hashes while a request is pending.
    deny('DenyBrokerRequestStore', ['dynamodb:*'], arns.requestTable),
    // Task tokens carry no resource ARN, so the callbacks are denied everywhere.
    deny('DenyApprovalCallbacks', ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat']),
    denyAllBut(
      'DenyChangesToBrokerWorkflow',
      [
        'states:Describe*',
        'states:List*',
        'states:GetExecutionHistory',
        'events:Describe*',
        'events:List*',
        'scheduler:Get*',
        'scheduler:List*',
        'lambda:Get*',
        'lambda:List*',
        'logs:Describe*',
        'logs:Get*',
        'logs:FilterLogEvents',
        'logs:StartQuery',
        'logs:StopQuery',
      ],
      arns.workflow,
    ),
    // Receiving is denied too: it would take an outcome away from the agent.
    denyAllBut('DenyBrokerQueues', ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ListQueueTags'], arns.queues),
    deny('DenyBrokerEmail', ['ses:*'], arns.email),
    // The approval API, when the hub is also a target: API ids are random and API Gateway ARNs carry no
    // account, so every API Gateway change in the hub's region is denied there (re-pointing the review
    // route would capture approval capabilities). Reads (GET) stay allowed.
    ...(props.accountId === props.hubAccount
      ? [deny('DenyChangesToApprovalApi', ['apigateway:POST', 'apigateway:PUT', 'apigateway:PATCH', 'apigateway:DELETE'], [`arn:${props.partition}:apigateway:${props.hubRegion}::/*`])]
      : []),
    // The broker's KMS keys (the report signing key, the alarm topic's key) carry `jit:security`, as may
    // the operator's own: with kms:* an elevated session could rewrite the signing key's policy and sign a
    // forged manifest, or schedule the key's deletion. KMS compares `aws:ResourceTag` with the key's own
    // tags, and no session may change a `jit:` tag. Reads, the public key and Verify stay allowed.
    // @see https://docs.aws.amazon.com/kms/latest/developerguide/tag-authorization.html
    new iam.PolicyStatement({
      sid: 'DenyMarkedKeys',
      effect: iam.Effect.DENY,
      notActions: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:Verify'],
      resources: [`arn:${props.partition}:kms:*:*:key/*`],
      conditions: { Null: { [`aws:ResourceTag/${CEILING_TAGS.security}`]: 'false' } },
    }),
    denyAllBut('DenyChangesToAuditReports', ['s3:Get*', 's3:List*'], arns.auditReports),
    denyAllBut('DenyChangesToBrokerStacks', ['cloudformation:Describe*', 'cloudformation:List*', 'cloudformation:Get*'], arns.stacks),
  ];
}

/**
 * What the boundary denies outright: whole services no principal created under a grant needs to
 * administer (identities, credentials, the organization, billing, detection, Identity Center) and the
 * ceiling's other unconditional denies. One policy (a principal has one boundary), so it says with
 * service wildcards what the ceiling spells out by verb; a bounded principal is never allowed more than
 * an elevated session.
 */
const BOUNDARY_EXCLUDED_SERVICES = [
  'iam:*',
  'sts:*',
  'organizations:*',
  'account:*',
  'aws-portal:*',
  'billing:*',
  'payments:*',
  'rolesanywhere:*',
  'guardduty:*',
  'securityhub:*',
  'config:*',
  'access-analyzer:*',
  'cloudtrail:*',
  'macie2:*',
  'detective:*',
  'sso:*',
  'sso-directory:*',
  'identitystore:*',
];

function boundaryStatements(props: ElevationCeilingProps): iam.PolicyStatement[] {
  type Json = { Action?: string | string[]; Resource?: string | string[]; Condition?: unknown };
  const statements = denyAlwaysStatements(props).map((statement) => ({ statement, json: statement.toStatementJson() as Json }));
  const excluded = new Set(BOUNDARY_EXCLUDED_SERVICES.map((a) => a.split(':')[0]));
  const outsideExcluded = (action: string) => !excluded.has(action.split(':')[0]);
  const onEverything = ({ json }: { json: Json }) => json.Resource === '*' && !json.Condition && json.Action !== undefined;
  // The unconditional denies join the one deny of whole services.
  const folded = statements.filter(onEverything).flatMap(({ json }) => [json.Action ?? []].flat()).filter(outsideExcluded);
  const kept = statements
    .filter((s) => !onEverything(s))
    // Statements only about excluded services are moot: a bounded principal has no IAM action at all.
    .filter(({ json }) => json.Action === undefined || [json.Action].flat().some(outsideExcluded))
    .map(({ statement }) => statement);
  return [
    // A boundary grants nothing by itself; it caps what the principal's own policies allow.
    new iam.PolicyStatement({ sid: 'CapAtTheCeiling', actions: ['*'], resources: ['*'] }),
    deny('NoAdministrationOfIdentitiesOrDetection', [...BOUNDARY_EXCLUDED_SERVICES, ...new Set(folded)]),
    ...kept,
  ];
}

/** IAM's limit on a managed policy document, counted without whitespace. */
export const MANAGED_POLICY_MAX_CHARS = 6144;
/** The longest partition name, for a check where neither the partition nor the region is known at synthesis. */
const LONGEST_PARTITION = 'aws-us-gov';

/** The partition the policies will be deployed in: given, or the stack region's, or the longest name. */
function partitionToMeasure(scope: Construct, partition: string): string {
  if (!Token.isUnresolved(partition)) return partition;
  const region = Stack.of(scope).region;
  return (!Token.isUnresolved(region) && RegionInfo.get(region).partition) || LONGEST_PARTITION;
}

/**
 * Refuses at synthesis a ceiling or boundary IAM would refuse at deployment (LimitExceeded), naming the
 * policy, its size, and what makes it grow: role and agent names outside `jit-*` are listed one by one.
 * Measured in the partition of the stack's region (ARNs in `aws-us-gov` are 7 characters longer each).
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
function refuseOversizedPolicies(scope: Construct, props: ElevationCeilingProps): void {
  const sized = { ...props, partition: partitionToMeasure(scope, props.partition) };
  const documents = [...ceilingPolicies(sized).map((p) => ({ name: p.name, statements: p.statements })), { name: TARGET_NAMES.boundaryPolicy, statements: boundaryStatements(sized) }];
  for (const { name, statements } of documents) {
    const size = JSON.stringify({ Version: '2012-10-17', Statement: statements.map((s) => s.toStatementJson()) }).length;
    if (size > MANAGED_POLICY_MAX_CHARS) {
      throw new Error(
        `ElevationCeiling: ${name} would be ${size} characters; IAM allows ${MANAGED_POLICY_MAX_CHARS} per managed policy. ` +
          'Each elevated role, agent or passable role whose name does not start with jit- is listed in it by name: give them jit- names or list fewer.',
      );
    }
  }
}

/**
 * The policies that cap what an elevated session can do, created in a target account with fixed names:
 *
 * - `jit-deny-always`, `jit-deny-always-detection`, `jit-deny-always-broker`, attached to every elevated
 *   role: the deny-always statements.
 * - `jit-permissions-boundary`: everything but what the ceiling denies. Every role or user an elevated
 *   session creates (or changes) must carry it and sit on the bounded path, so nothing created during a
 *   grant can do more than the grant's ceiling; and since the ceiling denies removing a boundary or
 *   editing `jit-*` policies, it cannot be shed later.
 */
export class ElevationCeiling extends Construct {
  /** `jit-deny-always`, the first of the ceiling's policies. */
  readonly denyAlways: iam.ManagedPolicy;
  /** Every policy of the ceiling, each attached to every elevated role. */
  readonly policies: iam.ManagedPolicy[];
  readonly boundary: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ElevationCeilingProps) {
    super(scope, id);
    if (props.elevatedRoleNames.length === 0) {
      throw new Error('ElevationCeiling: elevatedRoleNames must name at least one role. Received: []');
    }
    refuseOversizedPolicies(this, props);
    const [denyAlways, ...others] = ceilingPolicies(props).map(
      (p) => new iam.ManagedPolicy(this, p.id, { managedPolicyName: p.name, description: p.description, statements: p.statements }),
    );
    this.denyAlways = denyAlways;
    this.policies = [denyAlways, ...others];
    this.boundary = new iam.ManagedPolicy(this, 'Boundary', {
      managedPolicyName: TARGET_NAMES.boundaryPolicy,
      description: 'JIT broker: required permissions boundary of every principal an elevated session creates',
      statements: boundaryStatements(props),
    });
  }

  /** The boundary's ARN as `iam:PermissionsBoundary` compares it. */
  get boundaryArn(): string {
    return this.boundary.managedPolicyArn;
  }
}
