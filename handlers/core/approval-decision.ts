import { z } from 'zod';
import { type BrokerSettings, type ElevatedRole, findAccount, findRole } from './broker-settings';
import { CONTROL_CHARS, type ElevationRequest, type Validation } from './elevation-request';
import { InvalidDecisionError } from './errors';

/** Longest note or denial reason an approver may write. */
export const MAX_NOTE_LENGTH = 500;

/** How a decision was made, for the audit report. */
export const DECISION_CHANNELS = ['web', 'cli'] as const;
export type DecisionChannel = (typeof DECISION_CHANNELS)[number];

/**
 * What an approver decided, sent back to the waiting workflow as the SendTaskSuccess output. The approver
 * may lower the minutes or pick another role configured for the same account; never more than the max.
 */
export const approvalDecisionSchema = z.object({
  role: z.string().min(1),
  minutes: z.number().int().min(1),
  approver: z.string().min(1).max(254),
  note: z.string().max(MAX_NOTE_LENGTH).optional(),
  decidedAt: z.iso.datetime(),
  channel: z.enum(DECISION_CHANNELS).optional(),
});

export type ApprovalDecision = z.infer<typeof approvalDecisionSchema>;

/** A denial as the request record keeps it; the workflow receives the reason as the failure cause. */
export const denialSchema = z.object({
  approver: z.string().min(1).max(254),
  reason: z.string().max(MAX_NOTE_LENGTH),
  decidedAt: z.iso.datetime(),
  channel: z.enum(DECISION_CHANNELS),
});

export type Denial = z.infer<typeof denialSchema>;

/** What an approver asks for, before it is checked: from the review form or the CLI. */
export type Verdict =
  | { readonly action: 'approve'; readonly role?: string; readonly minutes?: number; readonly note?: string }
  | { readonly action: 'deny'; readonly reason?: string };

/** The approved terms, checked against the config. */
export interface ApprovalTerms {
  readonly role: ElevatedRole;
  readonly minutes: number;
  readonly note?: string;
}

/** Checks free text an approver typed: bounded, printable. Returns it trimmed, or undefined when empty. */
export function approverText(field: string, text: string | undefined, problems: string[]): string | undefined {
  const trimmed = text?.trim() ?? '';
  if (trimmed.length > MAX_NOTE_LENGTH) problems.push(`${field}: must be at most ${MAX_NOTE_LENGTH} characters (got ${trimmed.length})`);
  if (CONTROL_CHARS.test(trimmed)) problems.push(`${field}: must not contain control characters`);
  return trimmed.length > 0 ? trimmed : undefined;
}

/**
 * Checks an approval against the request and the config: the role must be configured for the request's
 * account (defaults to the requested role) and `1 <= minutes <= that role's max` (defaults to the
 * requested minutes). Every problem is reported at once.
 */
export function approvalTerms(
  request: ElevationRequest,
  verdict: { readonly role?: string; readonly minutes?: number; readonly note?: string },
  settings: BrokerSettings,
): Validation<ApprovalTerms> {
  const problems: string[] = [];
  const account = findAccount(settings, request.accountId);
  if (!account) return { ok: false, problems: [`account: ${request.accountId} is no longer configured`] };
  const roleName = verdict.role ?? request.role;
  const role = findRole(account, roleName);
  if (!role) {
    const allowed = account.roles.map((r) => r.name).join(', ');
    problems.push(`role: "${roleName}" is not configured for account ${account.name} (allowed: ${allowed})`);
  }
  const minutes = verdict.minutes ?? request.minutes;
  if (!Number.isInteger(minutes)) problems.push('minutes: must be a whole number');
  else if (minutes < 1) problems.push('minutes: must be at least 1');
  else if (role && minutes > role.maxMinutes) {
    problems.push(`minutes: ${minutes} is more than the ${role.maxMinutes} allowed for role ${role.name}`);
  }
  const note = approverText('note', verdict.note, problems);
  if (problems.length > 0 || !role) return { ok: false, problems };
  return { ok: true, value: { role, minutes, ...(note ? { note } : {}) } };
}

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
