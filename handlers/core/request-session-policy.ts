import type { BrokerSettings } from './broker-settings';
import type { ElevationRequest } from './elevation-request';
import { roleAllowsAll, rolePermissionsOf } from './role-permissions';
import { type SessionPolicy, grantSessionPolicy, planOf } from './session-policy';

/**
 * The session policy of a grant of `role` (the request's own unless a decision chose a narrower one) for
 * `request`, as every step builds it: Register (its size), RequestApproval (the proofs the approvers see),
 * the grant scope, and the mint (the policy it passes to AssumeRole). One builder, so they all see the same
 * policy: the plan, the time fence at `expiresAt`, the audited regions, and compression bounded by the role's
 * merged permissions (role-permissions.ts) evaluated at `now`, so a widened entry never reaches past the role.
 *
 * @throws PlanTooLargeError when the plan cannot fit STS's limit.
 */
export function requestSessionPolicy(
  request: Pick<ElevationRequest, 'role' | 'plannedActions' | 'plannedResources'>,
  settings: Pick<BrokerSettings, 'auditRegions' | 'rolePolicies'>,
  times: { readonly expiresAt: Date; readonly now: Date },
  role: string = request.role,
): SessionPolicy {
  const plan = planOf(request);
  const permissions = rolePermissionsOf(settings, role);
  return grantSessionPolicy({
    expiresAt: times.expiresAt,
    regions: settings.auditRegions,
    ...(plan ? { plan } : {}),
    ...(permissions ? { within: (action: string, resources: readonly string[]) => roleAllowsAll(permissions, action, resources, settings.auditRegions, times.now) } : {}),
  });
}
