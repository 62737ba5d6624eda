import { approvingRule, ruleApprover } from '../core/approval-rules';
import type { ElevationRequest } from '../core/elevation-request';
import type { TaskCallbacks } from '../ports/task-callbacks';
import { type DecideRequestDeps, decideRequest } from './decide-request';

export type RuleApproval = { readonly approvedBy: string } | undefined;

/**
 * Approves a request that a rule of `approval.rules` covers (handlers/core/approval-rules.ts), through the
 * same single decision as a human's (`decideRequest`, channel `rule`, approver `rule:<name>`): the same
 * claim, the same `SendTaskSuccess`, the same confirmation email to every approver, and the workflow's
 * own `Elevation Granted`. Called by RequestApproval once the task token is stored (without review links).
 * Returns undefined when no rule applies or the decision did not go through: the humans decide then.
 *
 * The task's own function may answer its token: a callback task waits until `SendTaskSuccess` or
 * `SendTaskFailure` is called with the token from the context object, by whoever holds it.
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token
 */
export async function approveByRule(
  request: ElevationRequest,
  deps: Omit<DecideRequestDeps, 'callbacks'> & { readonly callbacks?: TaskCallbacks },
): Promise<RuleApproval> {
  if (!deps.callbacks) return undefined;
  const rule = approvingRule(deps.settings, request, deps.clock.now());
  if (!rule) return undefined;
  const approvedBy = ruleApprover(rule);
  const outcome = await decideRequest(
    request.requestId,
    { channel: 'rule', approver: approvedBy },
    { action: 'approve', note: `Approved by rule ${rule.name}, without a human` },
    { ...deps, callbacks: deps.callbacks },
  );
  return outcome.kind === 'approved' || (outcome.kind === 'decided' && outcome.request.decision?.approver === approvedBy) ? { approvedBy } : undefined;
}
