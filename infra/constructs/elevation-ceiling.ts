import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { secretNameFor } from '../../handlers/core/broker-settings';
import { BROKER_NAMES, STACK_NAMES, TARGET_NAMES, auditBucketName, managedPolicyArn } from '../naming';

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
}

/** Everything matching these stays read-only to an elevated session, whichever account it sits in. */
function brokerArns(p: ElevationCeilingProps) {
  const arn = (service: string, resource: string, region = '*') => `arn:${p.partition}:${service}:${region}:*:${resource}`;
  const role = (name: string) => `arn:${p.partition}:iam::*:role/${name}`;
  const bucket = `arn:${p.partition}:s3:::${auditBucketName(p.hubAccount, p.hubRegion)}`;
  return {
    identities: [
      role('jit-*'),
      role(`${STACK_NAMES.broker}-*`),
      role(`${STACK_NAMES.targetPrefix}*`),
      ...[...new Set(p.elevatedRoleNames)].filter((name) => !name.startsWith('jit-')).map(role),
      // CDK bootstrap roles: the deploy and CloudFormation execution roles hold administrator rights.
      role('cdk-*'),
      `arn:${p.partition}:iam::*:user/jit-*`,
      `arn:${p.partition}:iam::*:policy/jit-*`,
    ],
    secrets: [arn('secretsmanager', `secret:${secretNameFor('*')}`)],
    requestTable: [arn('dynamodb', `table/${BROKER_NAMES.requestTable}`), arn('dynamodb', `table/${BROKER_NAMES.requestTable}/*`)],
    workflow: [
      arn('states', `stateMachine:${BROKER_NAMES.stateMachine}`),
      arn('states', `execution:${BROKER_NAMES.stateMachine}:*`),
      arn('events', `event-bus/${BROKER_NAMES.eventBus}`),
      arn('events', `rule/${BROKER_NAMES.eventBus}/*`),
      arn('scheduler', `schedule/${BROKER_NAMES.scheduleGroup}/*`),
      arn('scheduler', `schedule-group/${BROKER_NAMES.scheduleGroup}`),
      arn('lambda', `function:${STACK_NAMES.broker}-*`),
      arn('logs', `log-group:${STACK_NAMES.broker}-*`),
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

/**
 * The design's own hard ceiling (`deny-always.json` of the blog post this project implements), kept
 * whole and under its own Sid so a reader finds it as published: no elevated session, whatever its role,
 * may terminate instances, delete networks or databases, or touch the organization or the account.
 */
export const NEVER_EVEN_ELEVATED = [
  'ec2:TerminateInstances',
  'ec2:DeleteVpc',
  'ec2:DeleteSubnet',
  'rds:DeleteDBInstance',
  'rds:DeleteDBCluster',
  'organizations:*',
  'account:*',
] as const;

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

/**
 * The deny-always ceiling (docs/security-model.md): explicit denies that hold whatever an elevated role's own
 * policy allows, even `*`. Hand-written, because its exact shape is the security claim; the tests
 * evaluate it with a policy simulator.
 */
export function denyAlwaysStatements(props: ElevationCeilingProps): iam.PolicyStatement[] {
  const boundaryArn = managedPolicyArn(props.partition, props.accountId, TARGET_NAMES.boundaryPolicy);
  const arns = brokerArns(props);
  return [
    deny('NeverEvenElevated', [...NEVER_EVEN_ELEVATED]),
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
    // Changes that no boundary condition can cover: removing a boundary, editing a managed policy that
    // may be attached to unbounded principals, and groups (which cannot carry a boundary).
    deny('DenyBoundaryRemovalAndUnboundedPolicyChanges', [
      'iam:DeleteRolePermissionsBoundary',
      'iam:DeleteUserPermissionsBoundary',
      'iam:CreatePolicyVersion',
      'iam:SetDefaultPolicyVersion',
      'iam:AttachGroupPolicy',
      'iam:PutGroupPolicy',
      'iam:AddUserToGroup',
    ]),
    deny('DenyAuditAndDetectionTampering', [
      'cloudtrail:StopLogging',
      'cloudtrail:DeleteTrail',
      'cloudtrail:UpdateTrail',
      'cloudtrail:PutEventSelectors',
      'cloudtrail:PutInsightSelectors',
      'cloudtrail:DeleteEventDataStore',
      'cloudtrail:UpdateEventDataStore',
      'cloudtrail:StopEventDataStoreIngestion',
      'config:StopConfigurationRecorder',
      'config:DeleteConfigurationRecorder',
      'config:DeleteDeliveryChannel',
      'guardduty:DeleteDetector',
      'guardduty:UpdateDetector',
      'guardduty:CreateFilter',
      'guardduty:UpdateFilter',
      'guardduty:DisassociateFromMasterAccount',
      'guardduty:DisassociateFromAdministratorAccount',
      'securityhub:DisableSecurityHub',
      'securityhub:DisassociateFromMasterAccount',
      'securityhub:DisassociateFromAdministratorAccount',
      'access-analyzer:DeleteAnalyzer',
    ]),
    // The broker itself: its roles and policies here and in the hub, the CDK bootstrap roles that
    // deploy it, its secrets, request store, workflow, bus, schedules, functions, logs, reports, stacks.
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
    denyAllBut('DenyChangesToAuditReports', ['s3:Get*', 's3:List*'], arns.auditReports),
    denyAllBut('DenyChangesToBrokerStacks', ['cloudformation:Describe*', 'cloudformation:List*', 'cloudformation:Get*'], arns.stacks),
  ];
}

/**
 * The two policies that cap what an elevated session can do, created in a target account with fixed
 * names:
 *
 * - `jit-deny-always`, attached to every elevated role: the deny-always statements.
 * - `jit-permissions-boundary`: `Allow *` capped by the same statements. Every role or user an elevated
 *   session creates (or changes) must carry it, so nothing created during a grant can do more than the
 *   grant's ceiling; and since the ceiling denies removing a boundary or editing `jit-*` policies, it
 *   cannot be shed later.
 */
export class ElevationCeiling extends Construct {
  readonly denyAlways: iam.ManagedPolicy;
  readonly boundary: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ElevationCeilingProps) {
    super(scope, id);
    if (props.elevatedRoleNames.length === 0) {
      throw new Error('ElevationCeiling: elevatedRoleNames must name at least one role. Received: []');
    }
    this.denyAlways = new iam.ManagedPolicy(this, 'DenyAlways', {
      managedPolicyName: TARGET_NAMES.denyAlwaysPolicy,
      description: 'JIT broker: what no elevated session may do, whatever its role allows',
      statements: denyAlwaysStatements(props),
    });
    this.boundary = new iam.ManagedPolicy(this, 'Boundary', {
      managedPolicyName: TARGET_NAMES.boundaryPolicy,
      description: 'JIT broker: required permissions boundary of every principal an elevated session creates',
      statements: [
        // A boundary grants nothing by itself; it caps what the principal's own policies allow.
        new iam.PolicyStatement({ sid: 'CapAtTheCeiling', actions: ['*'], resources: ['*'] }),
        ...denyAlwaysStatements(props),
      ],
    });
  }

  /** The boundary's ARN as `iam:PermissionsBoundary` compares it. */
  get boundaryArn(): string {
    return this.boundary.managedPolicyArn;
  }
}
