/**
 * How the audit reads a CloudTrail event: the IAM action it stands for, whether it was refused, and
 * whether it changed something an auditor must look at first (IAM, security groups, new credentials).
 * Pure functions over the fields LookupEvents returns; no AWS.
 */

/** CloudTrail `eventSource` prefixes whose IAM service prefix differs. */
const IAM_PREFIX_OF_EVENT_SOURCE: Readonly<Record<string, string>> = {
  monitoring: 'cloudwatch',
  email: 'ses',
  tagging: 'tag',
};

/** `ecs.amazonaws.com` → `ecs`; `monitoring.amazonaws.com` → `cloudwatch`. */
export function iamServicePrefix(eventSource: string): string {
  const host = eventSource.replace(/\.amazonaws\.com(\.cn)?$/, '');
  return IAM_PREFIX_OF_EVENT_SOURCE[host] ?? host;
}

/**
 * The IAM action a CloudTrail event stands for, e.g. `ecs:UpdateService`. Lambda records versioned event
 * names (`UpdateFunctionCode20150331v2`); the date suffix is not part of the action.
 */
export function iamActionOf(eventSource: string, eventName: string): string {
  return `${iamServicePrefix(eventSource)}:${eventName.replace(/\d{8}(v\d+)?$/, '')}`;
}

/**
 * Error codes with which AWS services refuse a call for lack of permission. EC2 uses
 * `Client.UnauthorizedOperation`, most others `AccessDenied` or `AccessDeniedException`.
 */
export function isAccessDenied(errorCode: string | undefined): boolean {
  return errorCode !== undefined && /AccessDenied|UnauthorizedOperation|UnauthorizedAccess|NotAuthorized/i.test(errorCode);
}

/** EC2 actions that change who may reach what over the network. */
const SECURITY_GROUP_ACTION = /SecurityGroup/;

/** STS and IAM actions that create credentials outside the grant's time box. */
const CREDENTIAL_ACTIONS = new Set([
  'sts:AssumeRole',
  'sts:AssumeRoleWithSAML',
  'sts:AssumeRoleWithWebIdentity',
  'sts:GetFederationToken',
  'sts:GetSessionToken',
  'iam:CreateAccessKey',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
  'iam:CreateServiceSpecificCredential',
]);

export type ChangeKind = 'iam' | 'security-group' | 'credential';

/**
 * What kind of sensitive change an action is, if any. Refused attempts count too: an attempt to create
 * an access key is worth a line on top of the report whether or not it succeeded.
 */
export function changeKindOf(iamAction: string, readOnly: boolean | undefined): ChangeKind | undefined {
  if (CREDENTIAL_ACTIONS.has(iamAction)) return 'credential';
  if (readOnly === true) return undefined;
  const [service, action = ''] = iamAction.split(':');
  if (service === 'iam') return 'iam';
  if (service === 'ec2' && SECURITY_GROUP_ACTION.test(action)) return 'security-group';
  return undefined;
}

/** A planned action the agent declared, when it is written as an IAM action pattern (`ecs:Update*`). */
export interface PlannedPattern {
  readonly text: string;
  readonly pattern?: RegExp;
}

const IAM_ACTION_PATTERN = /^([A-Za-z0-9-]+):([A-Za-z0-9*?]+)$/;

/**
 * Reads the request's planned actions. Entries written as IAM actions (`service:Action`, wildcards
 * allowed, case-insensitive like IAM) can be compared with what happened; free text cannot and is
 * reported as such.
 */
export function parsePlannedAction(text: string): PlannedPattern {
  const match = IAM_ACTION_PATTERN.exec(text.trim());
  if (!match) return { text };
  const body = `${match[1]}:${match[2]}`
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return { text, pattern: new RegExp(`^${body}$`, 'i') };
}

export function matchesPlan(iamAction: string, plan: readonly PlannedPattern[]): boolean {
  return plan.some((p) => p.pattern?.test(iamAction) ?? false);
}
