import { z } from 'zod';
import { type BrokerSettings, type ElevatedRole, findAccount, findRole } from './broker-settings';
import type { ElevationRequest } from './elevation-request';
import { InvalidDecisionError } from './errors';

/**
 * What an approver decided, sent back to the waiting workflow as the SendTaskSuccess output. The approver
 * may lower the minutes or pick another role configured for the same account; never more than the max.
 */
export const approvalDecisionSchema = z.object({
  role: z.string().min(1),
  minutes: z.number().int().min(1),
  approver: z.string().min(1).max(254),
  note: z.string().max(500).optional(),
  decidedAt: z.iso.datetime(),
  /** How the decision was made, for the audit report. */
  channel: z.enum(['web', 'cli']).optional(),
});

export type ApprovalDecision = z.infer<typeof approvalDecisionSchema>;

/** Checks a decision against the request and the config once more before anything is minted. */
export function checkDecision(
  request: ElevationRequest,
  decision: ApprovalDecision,
  settings: BrokerSettings,
): { role: ElevatedRole } {
  const account = findAccount(settings, request.accountId);
  if (!account) throw new InvalidDecisionError(`Account ${request.accountId} is no longer configured.`);
  const role = findRole(account, decision.role);
  if (!role) {
    throw new InvalidDecisionError(`Role ${decision.role} is not configured for account ${account.name}.`);
  }
  if (decision.minutes > role.maxMinutes) {
    throw new InvalidDecisionError(
      `Approved minutes (${decision.minutes}) exceed the ${role.maxMinutes} allowed for role ${role.name}.`,
    );
  }
  return { role };
}
