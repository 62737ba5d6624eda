import type { BrokerSettings } from './broker-settings';
import type { ElevationRequest } from './elevation-request';
import { type PolicyDocument, type PolicyStatement, evaluatePolicies, toPolicyDocument } from './policy-evaluator';
import { grantSessionPolicy, planOf, PlanTooLargeError } from './session-policy';

/**
 * What a grant can do compared with its role, for the approver: computed by evaluating the role's own
 * policy documents with and without the grant's session policy (the policy evaluator of
 * handlers/core/policy-evaluator.ts), not by restating the plan.
 *
 * Every action pattern of the role's allow statements is probed with one concrete action it matches (its
 * wildcards filled with a name no real action has, so only a wildcard of the session policy can match it
 * as well): allowed with the session policy means the grant keeps all of that pattern; otherwise the
 * planned actions inside the pattern that the grant allows are what it keeps, and nothing else.
 */
export interface GrantScopeLine {
  /** An action pattern of the role's policy, e.g. `ec2:Describe*`. */
  readonly role: string;
  /** `all`: the grant can do all of it; otherwise the actions of it the grant can do (empty: none). */
  readonly grant: 'all' | readonly string[];
  /** Resources the grant is limited to for this pattern, when the plan names some. */
  readonly resources?: readonly string[];
}

export interface GrantScope {
  /** False: no plan, the grant has the whole role (inside the time and region fences). */
  readonly scoped: boolean;
  readonly lines: readonly GrantScopeLine[];
  /** Planned actions the role does not allow: the grant cannot do them either. */
  readonly plannedOutsideRole: readonly string[];
  /** The audited regions, the only ones the grant works in (and us-east-1 for global services). */
  readonly regions: readonly string[];
}

const FILL = 'JitAnyAction';

function list(value: string | readonly string[] | undefined): readonly string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : value;
}

function probeOf(pattern: string): string {
  return pattern.replace(/\*/g, FILL).replace(/\?/g, 'X');
}

function statements(doc: PolicyDocument): readonly PolicyStatement[] {
  return Array.isArray(doc.Statement) ? (doc.Statement as readonly PolicyStatement[]) : [doc.Statement as PolicyStatement];
}

/**
 * The scope of a grant of `request`'s role as the mint would build it now. Undefined when the role's
 * policy documents are not in the settings (then nobody can compute it, and the messages say so).
 */
export function grantScopeOf(
  request: Pick<ElevationRequest, 'role' | 'plannedActions' | 'plannedResources' | 'minutes'>,
  settings: Pick<BrokerSettings, 'auditRegions' | 'rolePolicies'>,
  now: Date,
): GrantScope | undefined {
  const rolePolicy = settings.rolePolicies?.[request.role];
  if (!rolePolicy) return undefined;
  const plan = planOf(request);
  let session;
  try {
    session = grantSessionPolicy({ expiresAt: new Date(now.getTime() + request.minutes * 60_000), regions: settings.auditRegions, ...(plan ? { plan } : {}) });
  } catch (error) {
    if (error instanceof PlanTooLargeError) return undefined;
    throw error;
  }
  const role = toPolicyDocument(rolePolicy);
  const sessionPolicy = toPolicyDocument(session.document);
  const region = settings.auditRegions[0];
  // A session of the target account: the resources are the account's own (no resource policy needed).
  const principalOf = (resource: string) => `arn:aws:sts::${/^\d{12}$/.test(resource.split(':')[4] ?? '') ? resource.split(':')[4] : '000000000000'}:assumed-role/jit-scope/jit-scope`;
  const allowed = (action: string, resource: string, withSession: boolean) =>
    evaluatePolicies(
      { identity: [role], ...(withSession ? { sessionPolicy } : {}) },
      { principalArn: principalOf(resource), action, resource, context: { 'aws:CurrentTime': now.toISOString(), 'aws:RequestedRegion': region } },
    ).decision === 'Allowed';

  const planned = plan?.actions ?? [];
  const resourcesOf = (action: string): readonly string[] => {
    const named = plan?.resources?.[action] ?? [];
    return named.length > 0 ? named : ['*'];
  };
  /** Whether the grant may call `action` on at least one of its planned resources (or `*`). */
  const grantAllows = (action: string) => resourcesOf(action).some((r) => allowed(probeOf(action), probeOf(r), true));

  const rolePatterns = [...new Set(statements(role).filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)))];
  const matches = (pattern: string, action: string) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i').test(probeOf(action));
  const lines: GrantScopeLine[] = rolePatterns.map((pattern) => {
    if (allowed(probeOf(pattern), '*', true)) return { role: pattern, grant: 'all' };
    const kept = planned.filter((a) => matches(pattern, a) && grantAllows(a));
    const resources = [...new Set(kept.flatMap(resourcesOf))].filter((r) => r !== '*');
    return { role: pattern, grant: kept, ...(resources.length > 0 ? { resources } : {}) };
  });
  const plannedOutsideRole = planned.filter((a) => !resourcesOf(a).some((r) => allowed(probeOf(a), probeOf(r), false)));
  return { scoped: session.scoped, lines, plannedOutsideRole, regions: settings.auditRegions };
}

/** The scope as plain lines, the same in the email, Slack, the review page and `jit pending`. */
export function grantScopeText(scope: GrantScope | undefined): string[] {
  if (!scope) return ['What this grant can do could not be computed (the role policy is not known to the broker): treat it as the whole role.'];
  const regions =
    `Regions: ${scope.regions.join(', ')} only` +
    `${scope.regions.includes('us-east-1') ? '' : ', and us-east-1 for global services (IAM, STS, CloudFront, Route 53, Organizations)'}; calls elsewhere are refused.`;
  if (!scope.scoped) return ['UNSCOPED: no IAM actions were planned, so the grant can do everything the role can.', regions];
  const kept = scope.lines.filter((l) => l.grant === 'all' || l.grant.length > 0);
  const removed = scope.lines.filter((l) => l.grant !== 'all' && l.grant.length === 0);
  return [
    `Scoped to the plan: ${kept.length} of the role's ${scope.lines.length} permissions kept, ${removed.length} removed.`,
    ...kept.map((l) => `Can: ${l.grant === 'all' ? l.role : `${l.grant.join(', ')} (of ${l.role})`}${l.resources ? ` on ${l.resources.join(', ')}` : ''}`),
    ...(removed.length > 0 ? [`Cannot (the role could): ${removed.map((l) => l.role).join(', ')}`] : []),
    ...(scope.plannedOutsideRole.length > 0 ? [`Planned but outside the role (refused): ${scope.plannedOutsideRole.join(', ')}`] : []),
    regions,
  ];
}
