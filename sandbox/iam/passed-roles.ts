/**
 * Which API calls pass an IAM role to a service, and to which service principal. AWS checks
 * `iam:PassRole` on the role implicitly when the receiving service accepts it, with `iam:PassedToService`
 * set to the service's principal; a caller allowed to pass a privileged role can run code with that
 * role's permissions, outside every limit of its own session, so the sandbox checks it as AWS does.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService
 */

/** A role a call passes; `roleArn` is undefined when the call names it only indirectly (an instance profile). */
export interface PassedRole {
  readonly roleArn?: string;
  /** How the call names it, for the error message. */
  readonly via: string;
  /** The service principal receiving it: the value of `iam:PassedToService`. */
  readonly service: string;
}

type Parameters = Readonly<Record<string, unknown>>;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function at(params: Parameters, path: string): unknown {
  // JSON bodies nest (`overrides.taskRoleArn`); query and EC2 forms flatten (`IamInstanceProfile.Arn`).
  if (path in params) return params[path];
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), params);
}

/** `RoleArn` of every entry of a list (JSON arrays, or query forms' `Targets.member.N.RoleArn`). */
function eachRoleArn(params: Parameters, list: string, field: string): string[] {
  const entries = params[list];
  if (Array.isArray(entries)) return entries.map((e) => text((e as Record<string, unknown>)?.[field])).filter((v): v is string => v !== undefined);
  return Object.entries(params)
    .filter(([k]) => new RegExp(`^${list}\\.(member\\.)?\\d+\\.${field}$`).test(k))
    .map(([, v]) => text(v))
    .filter((v): v is string => v !== undefined);
}

interface Rule {
  /** `service:Action` as IAM authorizes it. */
  readonly action: string;
  readonly service: string;
  readonly roles: (params: Parameters) => Array<Omit<PassedRole, 'service'>>;
}

const field =
  (...paths: string[]) =>
  (params: Parameters) =>
    paths.flatMap((path) => {
      const roleArn = text(at(params, path));
      return roleArn ? [{ roleArn, via: path }] : [];
    });

/** An instance profile names its role only indirectly: the sandbox has no instance profiles to look in. */
const instanceProfile = (params: Parameters) => {
  const named = text(at(params, 'IamInstanceProfile.Arn')) ?? text(at(params, 'IamInstanceProfile.Name'));
  return named ? [{ via: `instance profile ${named}` }] : [];
};

// Service principals: @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-services
const RULES: readonly Rule[] = [
  // @see https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
  { action: 'lambda:CreateFunction', service: 'lambda.amazonaws.com', roles: field('Role') },
  { action: 'lambda:UpdateFunctionConfiguration', service: 'lambda.amazonaws.com', roles: field('Role') },
  // @see https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
  { action: 'ecs:RegisterTaskDefinition', service: 'ecs-tasks.amazonaws.com', roles: field('taskRoleArn', 'executionRoleArn') },
  { action: 'ecs:RunTask', service: 'ecs-tasks.amazonaws.com', roles: field('overrides.taskRoleArn', 'overrides.executionRoleArn') },
  { action: 'ecs:StartTask', service: 'ecs-tasks.amazonaws.com', roles: field('overrides.taskRoleArn', 'overrides.executionRoleArn') },
  // @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html
  ...['CreateStack', 'UpdateStack', 'DeleteStack', 'CreateChangeSet', 'CreateStackSet', 'UpdateStackSet'].map((name) => ({
    action: `cloudformation:${name}`,
    service: 'cloudformation.amazonaws.com',
    roles: field('RoleARN', 'AdministrationRoleARN'),
  })),
  // @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html
  { action: 'ec2:RunInstances', service: 'ec2.amazonaws.com', roles: instanceProfile },
  { action: 'ec2:AssociateIamInstanceProfile', service: 'ec2.amazonaws.com', roles: instanceProfile },
  { action: 'ec2:ReplaceIamInstanceProfileAssociation', service: 'ec2.amazonaws.com', roles: instanceProfile },
  // Scheduler and EventBridge targets run with the RoleArn they are given (the PassRole page above).
  { action: 'scheduler:CreateSchedule', service: 'scheduler.amazonaws.com', roles: field('Target.RoleArn') },
  { action: 'scheduler:UpdateSchedule', service: 'scheduler.amazonaws.com', roles: field('Target.RoleArn') },
  {
    action: 'events:PutTargets',
    service: 'events.amazonaws.com',
    roles: (params) => eachRoleArn(params, 'Targets', 'RoleArn').map((roleArn) => ({ roleArn, via: 'Targets[].RoleArn' })),
  },
  { action: 'events:PutRule', service: 'events.amazonaws.com', roles: field('RoleArn') },
  // @see https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html
  { action: 'states:CreateStateMachine', service: 'states.amazonaws.com', roles: field('roleArn') },
  { action: 'states:UpdateStateMachine', service: 'states.amazonaws.com', roles: field('roleArn') },
];

/** The roles `action` passes with these request parameters. */
export function passedRoles(action: string, params: Parameters): PassedRole[] {
  const wanted = action.toLowerCase();
  return RULES.filter((r) => r.action.toLowerCase() === wanted).flatMap((r) => r.roles(params).map((role) => ({ ...role, service: r.service })));
}

/** The actions the sandbox knows to pass a role (documented in docs/sandbox.md). */
export const ROLE_PASSING_ACTIONS: readonly string[] = [...new Set(RULES.map((r) => r.action))];
