import type { BrokerSettings } from './broker-settings';
import type { ElevationRequest } from './elevation-request';
import { type PolicyStatement, UnsupportedPolicyError, toPolicyDocument, wildcardMatch } from './policy-evaluator';
import { requestSessionPolicy } from './request-session-policy';
import { allowsIn, deniedWithin, fencedRegionsOf, probeOf, rolePermissionsOf } from './role-permissions';
import { planOf, PlanTooLargeError } from './session-policy';

/**
 * What a grant can do compared with its role, for the approver: computed by evaluating the role's merged
 * permissions (its policy file and the ceiling's deny list, role-permissions.ts) with and without the
 * grant's session policy (the policy evaluator of handlers/core/policy-evaluator.ts), in every region the
 * grant can call in (the audited regions, and us-east-1 for global services), not by restating the plan.
 *
 * Every action pattern of the role's allow statements is probed with one concrete action it matches (its
 * wildcards filled with a name no real action has, so only a wildcard of the session policy can match it
 * as well): allowed with the session policy means the grant keeps all of that pattern (less the deny-list
 * actions inside it, named); otherwise the planned actions inside the pattern that the grant allows are
 * what it keeps, and nothing else.
 */
export interface GrantScopeLine {
  /** An action pattern of the role's policy, e.g. `ec2:Describe*`. */
  readonly role: string;
  /** `all`: the grant can do all of it; otherwise the actions of it the grant can do (empty: none). */
  readonly grant: 'all' | readonly string[];
  /** Resources the grant is limited to for this pattern, when the plan names some. */
  readonly resources?: readonly string[];
  /** The ceiling's deny-list actions inside this pattern: neither the role nor the grant can do them. */
  readonly denied?: readonly string[];
  /** The regions the grant can do it in, when that is not every region it can call in. */
  readonly regions?: readonly string[];
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

function list(value: string | readonly string[] | undefined): readonly string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : value;
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
  try {
    return scopeOf(request, settings, now);
  } catch (error) {
    // A role policy the evaluator cannot evaluate (policy variables, ...): the messages say it is not computed.
    if (error instanceof UnsupportedPolicyError) return undefined;
    throw error;
  }
}

function scopeOf(
  request: Pick<ElevationRequest, 'role' | 'plannedActions' | 'plannedResources' | 'minutes'>,
  settings: Pick<BrokerSettings, 'auditRegions' | 'rolePolicies'>,
  now: Date,
): GrantScope | undefined {
  const permissions = rolePermissionsOf(settings, request.role);
  if (!permissions) return undefined;
  const plan = planOf(request);
  let session;
  try {
    session = requestSessionPolicy(request, settings, { expiresAt: new Date(now.getTime() + request.minutes * 60_000), now });
  } catch (error) {
    if (error instanceof PlanTooLargeError) return undefined;
    throw error;
  }
  const role = permissions.document;
  const sessionPolicy = toPolicyDocument(session.document);
  /** The regions of the fence in which the policies allow the action on the resource (both patterns). */
  const regionsAllowing = (action: string, resource: string, withSession: boolean) =>
    fencedRegionsOf(probeOf(action), settings.auditRegions).filter((region) =>
      allowsIn({ identity: [role], ...(withSession ? { sessionPolicy } : {}) }, action, resource, region, now),
    );

  const planned = plan?.actions ?? [];
  const resourcesOf = (action: string): readonly string[] => {
    const named = plan?.resources?.[action] ?? [];
    return named.length > 0 ? named : ['*'];
  };
  /** The regions in which the grant may call `action` on at least one of its planned resources (or `*`). */
  const grantRegions = (action: string) => [...new Set(resourcesOf(action).flatMap((r) => regionsAllowing(action, r, true)))];

  const own = Array.isArray(role.Statement) ? (role.Statement as readonly PolicyStatement[]) : [role.Statement as PolicyStatement];
  const rolePatterns = [...new Set(own.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)))];
  const matches = (pattern: string, action: string) => wildcardMatch(pattern, probeOf(action), true);
  const lines: GrantScopeLine[] = rolePatterns.map((pattern) => {
    const fence = fencedRegionsOf(probeOf(pattern), settings.auditRegions);
    const denied = deniedWithin(pattern);
    const extra = (regions: readonly string[]) => ({
      ...(denied.length > 0 ? { denied } : {}),
      ...(regions.length > 0 && regions.length < fence.length ? { regions } : {}),
    });
    const whole = regionsAllowing(pattern, '*', true);
    if (whole.length > 0) return { role: pattern, grant: 'all', ...extra(whole) };
    const kept = planned.filter((a) => matches(pattern, a) && grantRegions(a).length > 0);
    const resources = [...new Set(kept.flatMap(resourcesOf))].filter((r) => r !== '*');
    return { role: pattern, grant: kept, ...(resources.length > 0 ? { resources } : {}), ...extra([...new Set(kept.flatMap(grantRegions))]) };
  });
  const plannedOutsideRole = planned.filter((a) => !resourcesOf(a).some((r) => regionsAllowing(a, r, false).length > 0));
  return { scoped: session.scoped, lines, plannedOutsideRole, regions: settings.auditRegions };
}

/** True when the ceiling's deny list covers all of the role's pattern (`organizations:*`): nobody in the role can do any of it. */
function wholeDenied(line: GrantScopeLine): boolean {
  return (line.denied ?? []).some((d) => wildcardMatch(d, probeOf(line.role), true));
}

/** The scope as plain lines, the same in the email, Slack, the review page and `jit pending`. */
export function grantScopeText(scope: GrantScope | undefined): string[] {
  if (!scope) return ['What this grant can do could not be computed (the role policy is not known to the broker): treat it as the whole role.'];
  const regions =
    `Regions: ${scope.regions.join(', ')} only` +
    `${scope.regions.includes('us-east-1') ? '' : ', and us-east-1 for global services (IAM, STS, CloudFront, Route 53, Organizations)'}; calls elsewhere are refused.`;
  const never = [...new Set(scope.lines.flatMap((l) => l.denied ?? []))];
  const ceiling = never.length > 0 ? [`Never, whatever the role says (the ceiling denies them to every elevated role): ${never.join(', ')}`] : [];
  if (!scope.scoped) {
    const someRegions = scope.lines.filter((l) => l.regions && !wholeDenied(l));
    return [
      'UNSCOPED: no IAM actions were planned, so the grant can do everything the role can.',
      ...someRegions.map((l) => `Only in ${(l.regions ?? []).join(', ')}: ${l.role}`),
      ...ceiling,
      regions,
    ];
  }
  const counted = scope.lines.filter((l) => !wholeDenied(l));
  const kept = counted.filter((l) => l.grant === 'all' || l.grant.length > 0);
  const removed = counted.filter((l) => l.grant !== 'all' && l.grant.length === 0);
  return [
    `Scoped to the plan: ${kept.length} of the role's ${counted.length} permissions kept, ${removed.length} removed.`,
    ...kept.map(
      (l) =>
        `Can: ${l.grant === 'all' ? l.role : `${l.grant.join(', ')} (of ${l.role})`}${l.resources ? ` on ${l.resources.join(', ')}` : ''}` +
        `${l.regions ? ` in ${l.regions.join(', ')} only` : ''}${l.denied ? ` (never ${l.denied.join(', ')})` : ''}`,
    ),
    ...(removed.length > 0 ? [`Cannot (the role could): ${removed.map((l) => l.role).join(', ')}`] : []),
    ...(scope.plannedOutsideRole.length > 0 ? [`Planned but outside the role (refused): ${scope.plannedOutsideRole.join(', ')}`] : []),
    ...ceiling,
    regions,
  ];
}
