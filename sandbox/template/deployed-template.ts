import { createHash } from 'node:crypto';
/**
 * Reads synthesized CloudFormation the way it would be deployed: intrinsics resolve to the names and ARNs
 * the resources would have — real names where the template fixes them, `<stack>-<logicalId>` where
 * CloudFormation would generate one. The sandbox builds its emulated resources (table, secrets, rules,
 * bucket) and the callers' policies from this, and the IAM tests evaluate the same policies.
 */

export const PARTITION = 'aws';

export interface IamDocument {
  readonly Version: string;
  readonly Statement: ReadonlyArray<Record<string, unknown>>;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | readonly string[];
}

/** A synthesized CloudFormation template, as far as the readers here look into it. */
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
}

export interface SynthesizedStack {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly resources: Readonly<Record<string, CfnResource>>;
  /** The template's outputs whose values are plain strings, by output key. */
  readonly outputs?: Readonly<Record<string, string>>;
  /** The template's description. */
  readonly description?: string;
  /**
   * The broker settings its functions are bundled with (`jit-settings.json`, whose digest each function's
   * `JIT_SETTINGS_SHA256` names): the sandbox does not bundle, so it takes them from the synthesized stack.
   */
  readonly settings?: string;
}

/** What Secrets Manager appends to a secret's name in its ARN; six characters, as in real ARNs. */
export const SECRET_SUFFIX = 'AbCdEf';

export function prop(resource: CfnResource, name: string): unknown {
  return resource.Properties?.[name];
}

/** The ARN a resource would have once deployed. */
export function arnOf(stack: SynthesizedStack, logicalId: string, resource: CfnResource): string {
  const at = `${stack.region}:${stack.account}`;
  const named = (key: string) => {
    const value = prop(resource, key);
    return typeof value === 'string' ? value : `${stack.name}-${logicalId}`;
  };
  switch (resource.Type) {
    case 'AWS::IAM::Role':
      return `arn:${PARTITION}:iam::${stack.account}:role/${named('RoleName')}`;
    case 'AWS::IAM::User':
      return `arn:${PARTITION}:iam::${stack.account}:user/${named('UserName')}`;
    case 'AWS::IAM::ManagedPolicy':
      return `arn:${PARTITION}:iam::${stack.account}:policy/${named('ManagedPolicyName')}`;
    case 'AWS::SecretsManager::Secret':
      return `arn:${PARTITION}:secretsmanager:${at}:secret:${named('Name')}-${SECRET_SUFFIX}`;
    case 'AWS::DynamoDB::Table':
      return `arn:${PARTITION}:dynamodb:${at}:table/${named('TableName')}`;
    case 'AWS::Events::EventBus':
      return `arn:${PARTITION}:events:${at}:event-bus/${named('Name')}`;
    case 'AWS::Events::Rule':
      return `arn:${PARTITION}:events:${at}:rule/${named('Name')}`;
    case 'AWS::S3::Bucket':
      return `arn:${PARTITION}:s3:::${named('BucketName').toLowerCase()}`;
    case 'AWS::Lambda::Function':
      return `arn:${PARTITION}:lambda:${at}:function:${named('FunctionName')}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:${PARTITION}:states:${at}:stateMachine:${named('StateMachineName')}`;
    case 'AWS::Scheduler::ScheduleGroup':
      return `arn:${PARTITION}:scheduler:${at}:schedule-group/${named('Name')}`;
    case 'AWS::SQS::Queue':
      return `arn:${PARTITION}:sqs:${at}:${named('QueueName')}`;
    case 'AWS::KMS::Key': {
      // KMS names a key by a random UUID; the sandbox derives a stable one from the stack and logical id.
      const h = createHash('sha256').update(`${stack.name}/${logicalId}`).digest('hex');
      return `arn:${PARTITION}:kms:${at}:key/${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
    }
    case 'AWS::Logs::LogGroup':
      return `arn:${PARTITION}:logs:${at}:log-group:${named('LogGroupName')}:*`;
    default:
      return `arn:${PARTITION}:unknown:${at}:${logicalId}`;
  }
}

/** What `Ref` returns for each resource type (a name for most, an ARN for some, a URL for a queue). */
export function refOf(stack: SynthesizedStack, logicalId: string, resource: CfnResource): string {
  const arn = arnOf(stack, logicalId, resource);
  switch (resource.Type) {
    case 'AWS::IAM::ManagedPolicy':
    case 'AWS::SecretsManager::Secret':
    case 'AWS::StepFunctions::StateMachine':
      return arn;
    case 'AWS::S3::Bucket':
      return arn.slice(`arn:${PARTITION}:s3:::`.length);
    case 'AWS::SQS::Queue':
      return `https://sqs.${stack.region}.amazonaws.com/${stack.account}/${arn.slice(arn.lastIndexOf(':') + 1)}`;
    default:
      return arn.slice(arn.search(/[/:][^/:]*$/) + 1);
  }
}

/** Resolves `Ref`, `Fn::GetAtt` and `Fn::Join` the way CloudFormation would. */
export function resolve(value: unknown, stack: SynthesizedStack): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => resolve(v, stack));
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [key] = keys;
    const arg = obj[key];
    if (key === 'Ref') {
      const name = arg as string;
      const pseudo: Record<string, string> = {
        'AWS::Partition': PARTITION,
        'AWS::Region': stack.region,
        'AWS::AccountId': stack.account,
        'AWS::URLSuffix': 'amazonaws.com',
      };
      if (pseudo[name]) return pseudo[name];
      const resource = stack.resources[name];
      if (!resource) throw new Error(`${stack.name}: Ref to unknown resource ${name}`);
      return refOf(stack, name, resource);
    }
    if (key === 'Fn::GetAtt') {
      const [logicalId, attribute] = arg as [string, string];
      const resource = stack.resources[logicalId];
      if (!resource) throw new Error(`${stack.name}: Fn::GetAtt on unknown resource ${logicalId}`);
      if (attribute === 'ApiEndpoint' && resource.Type === 'AWS::ApiGatewayV2::Api') {
        return `https://${logicalId.toLowerCase()}.execute-api.${stack.region}.amazonaws.com`;
      }
      if (attribute === 'QueueName' && resource.Type === 'AWS::SQS::Queue') return refOf(stack, logicalId, resource).split('/').pop();
      if (attribute === 'QueueUrl' && resource.Type === 'AWS::SQS::Queue') return refOf(stack, logicalId, resource);
      if (attribute !== 'Arn') throw new Error(`${stack.name}: Fn::GetAtt ${logicalId}.${attribute} is not resolved here`);
      return arnOf(stack, logicalId, resource);
    }
    if (key === 'Fn::Join') {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.map((p) => String(resolve(p, stack))).join(separator);
    }
    if (key.startsWith('Fn::')) throw new Error(`${stack.name}: intrinsic ${key} is not resolved here`);
  }
  return Object.fromEntries(keys.map((k) => [k, resolve(obj[k], stack)]));
}

function refersTo(list: unknown, logicalId: string): boolean {
  return Array.isArray(list) && list.some((entry) => (entry as { Ref?: string }).Ref === logicalId);
}

/** Logical id of the role or user with this name. */
export function principalLogicalId(stack: SynthesizedStack, kind: 'role' | 'user', name: string): string {
  const [type, key] = kind === 'role' ? ['AWS::IAM::Role', 'RoleName'] : ['AWS::IAM::User', 'UserName'];
  const found = Object.entries(stack.resources).find(([, r]) => r.Type === type && prop(r, key) === name);
  if (!found) throw new Error(`${stack.name}: no ${kind} named ${name}`);
  return found[0];
}

export interface NamedPolicy {
  readonly name: string;
  readonly policy: IamDocument;
}

/** Every identity policy of a role or user: inline, attached managed, and separate policy resources. */
export function identityPoliciesOf(stack: SynthesizedStack, logicalId: string): NamedPolicy[] {
  const principal = stack.resources[logicalId];
  if (!principal) throw new Error(`${stack.name}: no resource ${logicalId}`);
  const listKey = principal.Type === 'AWS::IAM::User' ? 'Users' : 'Roles';
  const policies: NamedPolicy[] = [];
  for (const inline of (prop(principal, 'Policies') as Array<{ PolicyName: string; PolicyDocument: unknown }> | undefined) ?? []) {
    policies.push({ name: inline.PolicyName, policy: resolve(inline.PolicyDocument, stack) as IamDocument });
  }
  const attached = (resolve(prop(principal, 'ManagedPolicyArns') ?? [], stack) as string[]).slice();
  for (const [id, resource] of Object.entries(stack.resources)) {
    if (resource.Type === 'AWS::IAM::Policy' && refersTo(prop(resource, listKey), logicalId)) {
      policies.push({ name: id, policy: resolve(prop(resource, 'PolicyDocument'), stack) as IamDocument });
    }
    if (resource.Type === 'AWS::IAM::ManagedPolicy') {
      const arn = arnOf(stack, id, resource);
      if (refersTo(prop(resource, listKey), logicalId) || attached.includes(arn)) {
        policies.push({ name: id, policy: resolve(prop(resource, 'PolicyDocument'), stack) as IamDocument });
        attached.splice(attached.indexOf(arn), attached.includes(arn) ? 1 : 0);
      }
    }
  }
  if (attached.length > 0) throw new Error(`${stack.name}: ${logicalId} has managed policies from outside the template: ${attached.join(', ')}`);
  return policies;
}

export function identityPoliciesOfRole(stack: SynthesizedStack, roleName: string): NamedPolicy[] {
  return identityPoliciesOf(stack, principalLogicalId(stack, 'role', roleName));
}

export function trustPolicyOf(stack: SynthesizedStack, roleName: string): IamDocument {
  const role = stack.resources[principalLogicalId(stack, 'role', roleName)];
  return resolve(prop(role, 'AssumeRolePolicyDocument'), stack) as IamDocument;
}

export function managedPolicyNamed(stack: SynthesizedStack, name: string): IamDocument {
  const found = Object.values(stack.resources).find((r) => r.Type === 'AWS::IAM::ManagedPolicy' && prop(r, 'ManagedPolicyName') === name);
  if (!found) throw new Error(`${stack.name}: no managed policy named ${name}`);
  return resolve(prop(found, 'PolicyDocument'), stack) as IamDocument;
}

/** The resource policy of the secret with this name. */
export function secretResourcePolicy(stack: SynthesizedStack, secretName: string): IamDocument {
  const secretId = Object.entries(stack.resources).find(([, r]) => r.Type === 'AWS::SecretsManager::Secret' && prop(r, 'Name') === secretName)?.[0];
  if (!secretId) throw new Error(`${stack.name}: no secret named ${secretName}`);
  const policy = Object.values(stack.resources).find(
    (r) => r.Type === 'AWS::SecretsManager::ResourcePolicy' && (prop(r, 'SecretId') as { Ref?: string }).Ref === secretId,
  );
  if (!policy) throw new Error(`${stack.name}: secret ${secretName} has no resource policy`);
  return resolve(prop(policy, 'ResourcePolicy'), stack) as IamDocument;
}

export interface IdentityPolicyLocation {
  readonly stack: string;
  /** Logical id of the policy resource, or of the role or user holding an inline policy. */
  readonly logicalId: string;
  readonly type: string;
  readonly policy: IamDocument;
}

/** Every identity-based policy document in a stack (roles' and users' inline policies, policies, managed policies). */
export function allIdentityPolicies(stack: SynthesizedStack): IdentityPolicyLocation[] {
  const found: IdentityPolicyLocation[] = [];
  for (const [logicalId, resource] of Object.entries(stack.resources)) {
    if (resource.Type === 'AWS::IAM::Role' || resource.Type === 'AWS::IAM::User' || resource.Type === 'AWS::IAM::Group') {
      for (const inline of (prop(resource, 'Policies') as Array<{ PolicyDocument: unknown }> | undefined) ?? []) {
        found.push({ stack: stack.name, logicalId, type: resource.Type, policy: resolve(inline.PolicyDocument, stack) as IamDocument });
      }
    }
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      found.push({ stack: stack.name, logicalId, type: resource.Type, policy: resolve(prop(resource, 'PolicyDocument'), stack) as IamDocument });
    }
  }
  return found;
}

export function asList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as string[];
}

/** Resources of one type, with their logical ids. */
export function resourcesOfType(stack: SynthesizedStack, type: string): Array<[string, CfnResource]> {
  return Object.entries(stack.resources).filter(([, r]) => r.Type === type);
}
