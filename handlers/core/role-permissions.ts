import type { BrokerSettings } from './broker-settings';
import { NEVER_EVEN_ELEVATED, NEVER_EVEN_ELEVATED_SID } from './deny-list';
import { type PolicyDocument, type PolicyStatement, UnsupportedPolicyError, evaluatePolicies, toPolicyDocument, wildcardMatch } from './policy-evaluator';
import { GLOBAL_SERVICES_REGION, US_EAST_1_GLOBAL_ACTIONS } from './session-policy';

/**
 * What an elevated role may do as far as the broker knows it: the role's own permissions policy (its
 * `policyFile`, bundled in the settings as `rolePolicies`) merged with the deny-always ceiling's action deny
 * list (`NeverEvenElevated`, an unconditional Deny on every resource that every elevated role carries,
 * infra/constructs/elevation-ceiling.ts). The ceiling's other denies depend on conditions (boundaries,
 * tags, the broker's own resources) and are not part of it: a plan naming them is refused by IAM at the
 * call, not here.
 *
 * It is the `existingPolicyDocument` of IAM Access Analyzer's `CheckNoNewAccess` (identity policy: the
 * role's inline and managed policies are identity policies), and what Register checks a plan against.
 * @see https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoNewAccess.html
 */
export interface RolePermissions {
  readonly role: string;
  readonly document: PolicyDocument;
  /** The merged document as compact JSON, with `Version: 2012-10-17` (the policy grammar's current version). */
  readonly json: string;
}

/** The role's merged permissions, or undefined when the settings do not carry the role's policy. */
export function rolePermissionsOf(settings: Pick<BrokerSettings, 'rolePolicies'>, role: string): RolePermissions | undefined {
  const policy = settings.rolePolicies?.[role];
  if (policy === undefined) return undefined;
  const own = toPolicyDocument(policy);
  const statements = Array.isArray(own.Statement) ? (own.Statement as readonly PolicyStatement[]) : [own.Statement as PolicyStatement];
  const document: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [...statements, { Sid: NEVER_EVEN_ELEVATED_SID, Effect: 'Deny', Action: [...NEVER_EVEN_ELEVATED], Resource: '*' }],
  };
  return { role, document, json: JSON.stringify(document) };
}

/**
 * A concrete name for a pattern, its wildcards filled with a name no real action or resource has: only a
 * wildcard of a policy can match it, so "the role allows the probe" means the role allows all of the pattern.
 */
const FILL = 'JitAnyAction';
export function probeOf(pattern: string): string {
  return pattern.replace(/\*/g, FILL).replace(/\?/g, 'X');
}

/**
 * The regions a call of `action` can be made in under the grant's region fence (handlers/core/session-policy.ts):
 * the audited regions, and us-east-1 for the global services that sign for it.
 */
export function fencedRegionsOf(action: string, auditRegions: readonly string[]): string[] {
  const global = US_EAST_1_GLOBAL_ACTIONS.some((g) => wildcardMatch(g, action, true));
  return [...new Set([...auditRegions, ...(global ? [GLOBAL_SERVICES_REGION] : [])])];
}

/** The account a resource ARN names, else a placeholder: the role's own account, so no resource policy is needed. */
function principalFor(resource: string): string {
  const account = resource.split(':')[4] ?? '';
  return `arn:aws:sts::${/^\d{12}$/.test(account) ? account : '000000000000'}:assumed-role/jit-scope/jit-scope`;
}

/** Whether `policies` allow `action` (a pattern: probed) on `resource` (a pattern: probed) in `region` at `now`. */
export function allowsIn(
  policies: { readonly identity: readonly PolicyDocument[]; readonly sessionPolicy?: PolicyDocument },
  action: string,
  resource: string,
  region: string,
  now: Date,
): boolean {
  const probe = probeOf(resource);
  return (
    evaluatePolicies(policies, {
      principalArn: principalFor(probe),
      action: probeOf(action),
      resource: probe,
      context: { 'aws:CurrentTime': now.toISOString(), 'aws:RequestedRegion': region },
    }).decision === 'Allowed'
  );
}

/** The deny-list entries a planned pattern covers or is covered by (`ec2:*` covers `ec2:TerminateInstances`). */
export function deniedWithin(pattern: string): string[] {
  return NEVER_EVEN_ELEVATED.filter((denied) => wildcardMatch(pattern, denied, true) || wildcardMatch(denied, probeOf(pattern), true));
}

/**
 * Whether the role allows all of `action` (a pattern) on every one of `resources` (patterns) in at least one
 * region the grant can call it in, and the pattern reaches no action of the ceiling's deny list.
 */
export function roleAllowsAll(permissions: RolePermissions, action: string, resources: readonly string[], auditRegions: readonly string[], now: Date): boolean {
  if (deniedWithin(action).length > 0) return false;
  const regions = fencedRegionsOf(action, auditRegions);
  try {
    return resources.every((r) => regions.some((region) => allowsIn({ identity: [permissions.document] }, action, r, region, now)));
  } catch (error) {
    // A role policy the evaluator cannot evaluate (policy variables, ...): nothing is widened for it.
    if (error instanceof UnsupportedPolicyError) return false;
    throw error;
  }
}

/** One planned entry the role does not allow, and why, in words for the agent. */
export interface OutsideRole {
  readonly action: string;
  /** The planned resources the role does not allow the action on; absent when it is the action itself. */
  readonly resources?: readonly string[];
  readonly why: string;
}

/**
 * The entries of a plan the role does not allow, evaluated with the project's policy evaluator against the
 * role's merged permissions in every region the grant could call them in. A planned wildcard is inside the
 * role only if all of it is (its probe allowed, no deny-list action within it). Empty: the plan is within the
 * role, so the session policy built from it grants nothing the role does not. A role statement whose
 * condition needs a key Register does not know (anything but `aws:RequestedRegion` and `aws:CurrentTime`)
 * does not count as allowing, as IAM would not count it without that key.
 *
 * @throws UnsupportedPolicyError when the role's policy uses what the evaluator does not evaluate.
 */
export function planOutsideRole(
  plan: { readonly actions: readonly string[]; readonly resources?: Readonly<Record<string, readonly string[]>> },
  permissions: RolePermissions,
  auditRegions: readonly string[],
  now: Date,
): OutsideRole[] {
  const outside: OutsideRole[] = [];
  for (const action of plan.actions) {
    const denied = deniedWithin(action);
    if (denied.length > 0) {
      outside.push({ action, why: `the ceiling denies ${denied.join(', ')} to every elevated role` });
      continue;
    }
    const regions = fencedRegionsOf(action, auditRegions);
    const allowed = (resource: string) => regions.some((region) => allowsIn({ identity: [permissions.document] }, action, resource, region, now));
    const named = Object.entries(plan.resources ?? {}).find(([k]) => k.toLowerCase() === action.toLowerCase())?.[1] ?? [];
    const resources = named.length > 0 && !named.includes('*') ? named : ['*'];
    const refused = resources.filter((r) => !allowed(r));
    if (refused.length === 0) continue;
    const wildcard = /[*?]/.test(action) ? ' (all of this wildcard)' : '';
    outside.push(
      resources[0] === '*'
        ? { action, why: `the role ${permissions.role} does not allow it${wildcard} in ${regions.join(', ')}` }
        : { action, resources: refused, why: `the role ${permissions.role} does not allow it${wildcard} on ${refused.join(', ')} in ${regions.join(', ')}` },
    );
  }
  return outside;
}

/** The Register problem for a plan outside the role, naming each action; undefined when it is within. */
export function planOutsideRoleProblem(outside: readonly OutsideRole[], role: string): string | undefined {
  if (outside.length === 0) return undefined;
  return (
    `plannedActions: outside the role ${role}, so the grant could never do them: ` +
    `${outside.map((o) => `${o.action} (${o.why})`).join('; ')}. Plan only what the role allows, or ask for a role that allows it.`
  );
}
