/**
 * The request context AWS builds for one API call: which condition keys are present, and with what
 * value, follows each key's documented availability. A policy evaluated against a context AWS would not
 * build proves nothing, so the IAM tests (with @cloud-copilot/iam-simulate) and the sandbox's own
 * evaluator both take their contexts from here; a test that needs a key AWS would not send adds it
 * itself, with a comment saying why.
 *
 * Global keys and their availability:
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 * IAM and STS keys (`iam:PassedToService`, `iam:PermissionsBoundary`, `sts:SourceIdentity`):
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html
 */

export type ContextValue = string | readonly string[];
export type RequestContext = Record<string, ContextValue>;

/** An IAM user signing with its long-term access key. */
export interface UserSigner {
  readonly kind: 'user';
  /** `arn:aws:iam::<account>:user/<name>` */
  readonly arn: string;
}

/** A role session signing with the temporary credentials STS issued for it. */
export interface RoleSessionSigner {
  readonly kind: 'role-session';
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>` */
  readonly arn: string;
  /** When STS issued the session's credentials. */
  readonly issuedAt: Date | string;
  /** The session's source identity, if one was set when it was assumed (it persists and cannot change). */
  readonly sourceIdentity?: string;
  /** The unique id of the role (`AROA...`), as `aws:userid` reports it with the session name. */
  readonly roleId?: string;
}

/** An AWS service principal calling on behalf of one of the account's resources (a schedule, a rule). */
export interface ServiceSigner {
  readonly kind: 'service';
  /** `scheduler.amazonaws.com`, `states.amazonaws.com`, ... */
  readonly service: string;
  /** The account that owns the resource the service acts for. */
  readonly sourceAccount: string;
  /** The resource the service acts for. */
  readonly sourceArn: string;
}

export type Signer = UserSigner | RoleSessionSigner | ServiceSigner;

/** The request parameters that AWS turns into condition keys. */
export type RequestParameters = Omit<CalledApi, 'action' | 'region' | 'at' | 'secureTransport'>;

/** What is called, and the request parameters that AWS turns into condition keys. */
export interface CalledApi {
  /** `service:Action`, as IAM authorizes it. */
  readonly action: string;
  /** The region the request is sent to (`us-east-1` for IAM and global STS). */
  readonly region: string;
  readonly at: Date | string;
  /** Whether the request came over TLS. @default true (every AWS endpoint is HTTPS) */
  readonly secureTransport?: boolean;
  /** `SourceIdentity` parameter of `sts:AssumeRole` (also authorized as `sts:SetSourceIdentity`). */
  readonly sourceIdentity?: string;
  /** For `iam:PassRole`: the service principal the role is passed to. */
  readonly passedToService?: string;
  /**
   * For the IAM actions that create or change a principal: the permissions boundary the request sets
   * (CreateRole, CreateUser, Put*PermissionsBoundary) or that the principal already has (Attach/Put/Delete
   * policies). Absent when there is none.
   */
  readonly permissionsBoundary?: string;
  /** For `events:PutEvents`: the `Source` of every entry. */
  readonly eventSources?: readonly string[];
  /** For `events:PutEvents`: the `DetailType` of every entry. */
  readonly eventDetailTypes?: readonly string[];
  /** For DynamoDB item operations: the attribute names the request reads or writes. */
  readonly dynamodbAttributes?: readonly string[];
  /** For DynamoDB writes: the `ReturnValues` parameter, if given. */
  readonly dynamodbReturnValues?: string;
  /** For DynamoDB item operations: the partition key values of the items the request touches. */
  readonly dynamodbLeadingKeys?: readonly string[];
  /** For SES sends: the `From` address. */
  readonly sesFromAddress?: string;
  /** The tags the resource already carries (`aws:ResourceTag/<key>`), for the services that authorize on them. */
  readonly resourceTags?: Readonly<Record<string, string>>;
  /** For requests that set or remove tags (tagging a resource, or creating one with tags): their keys. */
  readonly tagKeys?: readonly string[];
  /** For `s3:ListBucket` (ListObjects, ListObjectsV2): the `prefix` parameter; absent when the request has none. */
  readonly s3Prefix?: string;
}

/** A request the caller's identity or parameters make impossible; AWS would refuse it before any policy. */
export class ImpossibleRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImpossibleRequestError';
  }
}

const SESSION_ARN = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;
const USER_ARN = /^arn:([^:]+):iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/;
/** The actions that take a `SourceIdentity` parameter. */
const SETS_SOURCE_IDENTITY = new Set(['sts:assumerole', 'sts:setsourceidentity', 'sts:assumerolewithsaml', 'sts:assumerolewithwebidentity']);
/**
 * The IAM actions whose request context carries `iam:PermissionsBoundary` (the service authorization
 * reference lists the key on exactly these).
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
 */
const TAKES_PERMISSIONS_BOUNDARY = new Set(
  [
    'CreateRole',
    'CreateUser',
    'DeleteRole',
    'DeleteRolePermissionsBoundary',
    'DeleteUserPermissionsBoundary',
    'GetRole',
    'UpdateAssumeRolePolicy',
    'UpdateRole',
    'UpdateRoleDescription',
    'AttachRolePolicy',
    'AttachUserPolicy',
    'DetachRolePolicy',
    'DetachUserPolicy',
    'PutRolePolicy',
    'PutUserPolicy',
    'DeleteRolePolicy',
    'DeleteUserPolicy',
    'PutRolePermissionsBoundary',
    'PutUserPermissionsBoundary',
  ].map((a) => `iam:${a.toLowerCase()}`),
);

function iso(at: Date | string): string {
  const date = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(date.getTime())) throw new ImpossibleRequestError(`Not a time: ${String(at)}`);
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** The ARN `aws:PrincipalArn` reports: the role for a role session, the user itself for a user. */
export function principalArnOf(signer: UserSigner | RoleSessionSigner): string {
  if (signer.kind === 'user') return signer.arn;
  const m = SESSION_ARN.exec(signer.arn);
  if (!m) throw new ImpossibleRequestError(`Not an assumed-role session ARN: ${signer.arn}`);
  return `arn:${m[1]}:iam::${m[2]}:role/${m[3]}`;
}

/**
 * Who signs as `arn`: an IAM user, or a role session (which needs its issue time). A role ARN never signs
 * a request — its sessions do — so it is refused, as is anything else.
 */
export function signerOf(arn: string, session: { issuedAt: Date | string; sourceIdentity?: string }): UserSigner | RoleSessionSigner {
  if (USER_ARN.test(arn)) return { kind: 'user', arn };
  if (SESSION_ARN.test(arn)) return { kind: 'role-session', arn, issuedAt: session.issuedAt, ...(session.sourceIdentity ? { sourceIdentity: session.sourceIdentity } : {}) };
  throw new ImpossibleRequestError(`${arn} cannot sign a request: only IAM users and role sessions (arn:aws:sts::<account>:assumed-role/<role>/<session>) do.`);
}

function requireAction(call: CalledApi, allowed: (action: string) => boolean, parameter: string): void {
  if (!allowed(call.action.toLowerCase())) {
    throw new ImpossibleRequestError(`${call.action} takes no ${parameter}: AWS puts the matching condition key only in the requests that carry it.`);
  }
}

/** The request context AWS builds for `signer` calling `call`. */
export function requestContext(signer: Signer, call: CalledApi): RequestContext {
  const context: RequestContext = {
    // Always present. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-currenttime
    'aws:CurrentTime': iso(call.at),
    // Always present. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-epochtime
    'aws:EpochTime': String(Math.floor(new Date(iso(call.at)).getTime() / 1000)),
    // Always present. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-requestedregion
    'aws:RequestedRegion': call.region,
    // Always present. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-securetransport
    'aws:SecureTransport': String(call.secureTransport ?? true),
  };

  // In every signed request: whether an AWS service principal signed it.
  // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalisawsservice
  context['aws:PrincipalIsAWSService'] = signer.kind === 'service' ? 'true' : 'false';
  if (signer.kind === 'service') {
    // Only when a service principal calls on behalf of a resource. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceaccount
    context['aws:SourceAccount'] = signer.sourceAccount;
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourcearn
    context['aws:SourceArn'] = signer.sourceArn;
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalservicename
    context['aws:PrincipalServiceName'] = signer.service;
  } else {
    const principalArn = principalArnOf(signer);
    const account = principalArn.split(':')[4];
    // Always present for signed requests; the role (not the session) for a role session.
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
    context['aws:PrincipalArn'] = principalArn;
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalaccount
    context['aws:PrincipalAccount'] = account;
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltype
    context['aws:PrincipalType'] = signer.kind === 'user' ? 'User' : 'AssumedRole';
    // Always present for a direct call. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-viaawsservice
    context['aws:ViaAWSService'] = 'false';
    if (signer.kind === 'user') {
      // Only for IAM users. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-username
      context['aws:username'] = signer.arn.slice(signer.arn.lastIndexOf('/') + 1);
    } else {
      // Only for temporary credentials. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-tokenissuetime
      context['aws:TokenIssueTime'] = iso(signer.issuedAt);
      if (signer.roleId) context['aws:userid'] = `${signer.roleId}:${signer.arn.slice(signer.arn.lastIndexOf('/') + 1)}`;
      // Only once the session has a source identity (set when it was assumed; it persists across
      // chaining). Never on the first hop, where the caller's session has none yet.
      // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceidentity
      if (signer.sourceIdentity) context['aws:SourceIdentity'] = signer.sourceIdentity;
    }
  }

  if (call.sourceIdentity !== undefined) {
    requireAction(call, (a) => SETS_SOURCE_IDENTITY.has(a), 'SourceIdentity parameter');
    if (signer.kind === 'role-session' && signer.sourceIdentity && signer.sourceIdentity !== call.sourceIdentity) {
      // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
      throw new ImpossibleRequestError(`The session's source identity ${signer.sourceIdentity} persists and cannot be changed to ${call.sourceIdentity}.`);
    }
    // The value being set, on the request that sets it: what a trust policy requires a source identity with.
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_sourceidentity
    // @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
    context['sts:SourceIdentity'] = call.sourceIdentity;
  }
  if (call.passedToService !== undefined) {
    requireAction(call, (a) => a === 'iam:passrole', 'iam:PassedToService');
    // Only on PassRole. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    context['iam:PassedToService'] = call.passedToService;
  }
  if (call.permissionsBoundary !== undefined) {
    requireAction(call, (a) => TAKES_PERMISSIONS_BOUNDARY.has(a), 'iam:PermissionsBoundary');
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PermissionsBoundary
    context['iam:PermissionsBoundary'] = call.permissionsBoundary;
  }
  if (call.eventSources !== undefined) {
    requireAction(call, (a) => a === 'events:putevents', 'events:source');
    // One value per entry. @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html
    context['events:source'] = [...call.eventSources];
  }
  if (call.eventDetailTypes !== undefined) {
    requireAction(call, (a) => a === 'events:putevents', 'events:detail-type');
    // @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html
    context['events:detail-type'] = [...call.eventDetailTypes];
  }
  if (call.dynamodbAttributes !== undefined) {
    requireAction(call, (a) => a.startsWith('dynamodb:'), 'dynamodb:Attributes');
    // @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
    context['dynamodb:Attributes'] = [...call.dynamodbAttributes];
  }
  if (call.dynamodbLeadingKeys !== undefined) {
    requireAction(call, (a) => a.startsWith('dynamodb:'), 'dynamodb:LeadingKeys');
    // @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
    context['dynamodb:LeadingKeys'] = [...call.dynamodbLeadingKeys];
  }
  if (call.dynamodbReturnValues !== undefined) {
    requireAction(call, (a) => a.startsWith('dynamodb:'), 'dynamodb:ReturnValues');
    // @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
    context['dynamodb:ReturnValues'] = call.dynamodbReturnValues;
  }
  if (call.sesFromAddress !== undefined) {
    requireAction(call, (a) => a.startsWith('ses:send'), 'ses:FromAddress');
    // @see https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html
    context['ses:FromAddress'] = call.sesFromAddress;
  }
  if (call.resourceTags !== undefined) {
    // Present for each tag the resource has, in the services that support ABAC on it (the simulator
    // refuses the key where the action's resource takes none).
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourcetag
    for (const [key, value] of Object.entries(call.resourceTags)) context[`aws:ResourceTag/${key}`] = value;
  }
  if (call.tagKeys !== undefined) {
    requireAction(call, (a) => /tag|^[a-z0-9-]+:(create|run|register|put)/.test(a), 'aws:TagKeys');
    // The keys of the tags in the request. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-tagkeys
    context['aws:TagKeys'] = [...call.tagKeys];
  }
  if (call.s3Prefix !== undefined) {
    requireAction(call, (a) => a === 's3:listbucket' || a === 's3:listbucketversions', 's3:prefix');
    // The `prefix` of a listing; a listing without one has no s3:prefix, so a condition on it does not match.
    // @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-condition-keys.html
    // @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
    context['s3:prefix'] = call.s3Prefix;
  }
  return context;
}
