/**
 * The resource ARN IAM authorizes a target-account call on, built from the request's parameters for the
 * services whose resources the broker's ceiling protects (and a few more an agent commonly calls). The
 * sandbox has no resources of its own there, so it cannot look a name up: it builds the ARN the way the
 * service reference documents it. A call whose parameters name a resource the sandbox cannot place gets
 * `undefined` — evaluated fail-closed (sandbox/iam/policy-evaluator.ts) — and a call that names none is
 * authorized on `*`, as AWS authorizes actions without resource-level permissions.
 *
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */

type Parameters = Readonly<Record<string, unknown>>;

/** CloudFormation stack ARNs end in a stack id the sandbox does not have; any id stands for it. */
const STACK_ID = '00000000-0000-0000-0000-000000000000';

/** Parameters that name a resource (by name, id or ARN). */
const NAMES_A_RESOURCE = /(Name|Id|Ids|Arn|ARN|Identifier|Url|Key|Bucket)(\.\d+|\.member\.\d+)?$/;

function text(params: Parameters, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = params[name];
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return undefined;
}

export interface CallTarget {
  readonly service: string;
  /** The IAM action name without its prefix. */
  readonly operation: string;
  readonly account: string;
  readonly region: string;
  readonly params: Parameters;
  /** Path of a REST call, without the query string. */
  readonly path: string;
}

function named(t: CallTarget): string | undefined {
  const { service, operation, account, region, params, path } = t;
  const arn = (svc: string, resource: string, r = region) => `arn:aws:${svc}:${r}:${account}:${resource}`;
  switch (service) {
    case 'cloudformation': {
      const stack = text(params, 'StackName');
      if (!stack) return undefined;
      return stack.startsWith('arn:') ? stack : arn('cloudformation', `stack/${stack}/${STACK_ID}`);
    }
    case 'logs': {
      const group = text(params, 'logGroupName', 'logGroupIdentifier');
      if (!group) return undefined;
      return group.startsWith('arn:') ? group : arn('logs', `log-group:${group}`);
    }
    case 'lambda': {
      const name = /\/functions\/([^/]+)/.exec(path)?.[1] ?? text(params, 'FunctionName');
      if (!name) return undefined;
      const decoded = decodeURIComponent(name);
      return decoded.startsWith('arn:') ? decoded : arn('lambda', `function:${decoded}`);
    }
    case 'iam': {
      const global = (resource: string) => `arn:aws:iam::${account}:${resource}`;
      if (text(params, 'PolicyArn')) return text(params, 'PolicyArn');
      if (text(params, 'RoleName')) return global(`role/${text(params, 'RoleName')}`);
      if (text(params, 'UserName')) return global(`user/${text(params, 'UserName')}`);
      if (text(params, 'GroupName')) return global(`group/${text(params, 'GroupName')}`);
      if (text(params, 'InstanceProfileName')) return global(`instance-profile/${text(params, 'InstanceProfileName')}`);
      if (operation === 'CreatePolicy' && text(params, 'PolicyName')) return global(`policy/${text(params, 'PolicyName')}`);
      return undefined;
    }
    case 'states': {
      const direct = text(params, 'stateMachineArn', 'executionArn', 'activityArn');
      if (direct) return direct;
      if (operation === 'CreateStateMachine' && text(params, 'name')) return arn('states', `stateMachine:${text(params, 'name')}`);
      return undefined;
    }
    case 'events': {
      const bus = text(params, 'EventBusName') ?? 'default';
      const busName = bus.startsWith('arn:') ? bus.slice(bus.lastIndexOf('/') + 1) : bus;
      const rule = text(params, 'Rule') ?? (/Rule$|^PutRule$/.test(operation) ? text(params, 'Name') : undefined);
      if (rule) return arn('events', busName === 'default' ? `rule/${rule}` : `rule/${busName}/${rule}`);
      if (/EventBus$/.test(operation) && text(params, 'Name')) return arn('events', `event-bus/${text(params, 'Name')}`);
      if (operation === 'PutEvents') return bus.startsWith('arn:') ? bus : arn('events', `event-bus/${bus}`);
      return undefined;
    }
    case 'scheduler': {
      const m = /^\/schedules\/([^/]+)$/.exec(path);
      const group = text(params, 'GroupName') ?? 'default';
      if (m) return arn('scheduler', `schedule/${group}/${decodeURIComponent(m[1])}`);
      const g = /^\/schedule-groups\/([^/]+)$/.exec(path);
      if (g) return arn('scheduler', `schedule-group/${decodeURIComponent(g[1])}`);
      return undefined;
    }
    case 'secretsmanager': {
      const id = text(params, 'SecretId', 'Name');
      if (!id) return undefined;
      return id.startsWith('arn:') ? id : arn('secretsmanager', `secret:${id}-??????`);
    }
    case 'dynamodb': {
      const table = text(params, 'TableName');
      return table ? (table.startsWith('arn:') ? table : arn('dynamodb', `table/${table}`)) : undefined;
    }
    case 's3': {
      const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
      if (segments.length === 0) return undefined;
      return segments.length === 1 ? `arn:aws:s3:::${segments[0]}` : `arn:aws:s3:::${segments[0]}/${segments.slice(1).join('/')}`;
    }
    case 'ec2': {
      const instance = text(params, 'InstanceId', 'InstanceId.1', 'InstanceIds.1');
      if (instance) return arn('ec2', `instance/${instance}`);
      if (text(params, 'VpcId')) return arn('ec2', `vpc/${text(params, 'VpcId')}`);
      if (text(params, 'SubnetId')) return arn('ec2', `subnet/${text(params, 'SubnetId')}`);
      if (text(params, 'GroupId')) return arn('ec2', `security-group/${text(params, 'GroupId')}`);
      return undefined;
    }
    case 'rds': {
      if (text(params, 'DBInstanceIdentifier')) return arn('rds', `db:${text(params, 'DBInstanceIdentifier')}`);
      if (text(params, 'DBClusterIdentifier')) return arn('rds', `cluster:${text(params, 'DBClusterIdentifier')}`);
      return undefined;
    }
    case 'sqs': {
      const url = text(params, 'QueueUrl');
      const name = url ? url.slice(url.lastIndexOf('/') + 1) : text(params, 'QueueName');
      return name ? arn('sqs', name) : undefined;
    }
    case 'sns': {
      return text(params, 'TopicArn');
    }
    default:
      return undefined;
  }
}

/** Whether the request names any resource at all (a parameter or a REST path segment). */
function namesAResource(t: CallTarget): boolean {
  if (Object.keys(t.params).some((k) => NAMES_A_RESOURCE.test(k))) return true;
  return t.path.split('/').filter(Boolean).length > 1;
}

/**
 * The ARN to authorize on: the named resource's, `*` when the call names none, or undefined when it
 * names one the sandbox cannot place (authorized fail-closed).
 */
export function targetResourceOf(t: CallTarget): string | undefined {
  const placed = named(t);
  if (placed) return placed;
  if (!namesAResource(t)) return '*';
  // An ARN of another account: authorized as that ARN, so IAM's cross-account rule (a resource policy,
  // which the sandbox has none of, must allow too) refuses it rather than placing it in the caller's account.
  const foreign = Object.values(t.params).find((v) => typeof v === 'string' && /^arn:[^:]+:[^:]+:[^:]*:\d{12}:/.test(v) && v.split(':')[4] !== t.account);
  return typeof foreign === 'string' ? foreign : undefined;
}
