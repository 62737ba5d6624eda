import { z } from 'zod';
import { type BrokerSettings, type ElevatedRole, findAccount, findRole } from './broker-settings';
import { CONTROL_CHARS, type ElevationRequest, type Validation } from './elevation-request';
import { DecisionWidensRequestError, InvalidDecisionError } from './errors';
import { checkGrantTerms } from './grant-terms';
import { wideningProblems } from './role-order';
import { type BreakGlassMark, breakGlassDecisionProblems, breakGlassMarkSchema } from './break-glass';

/** Longest note or denial reason an approver may write. */
export const MAX_NOTE_LENGTH = 500;

/** How a decision was made, for the audit report. */
export const DECISION_CHANNELS = ['web', 'cli', 'slack', 'rule'] as const;
export type DecisionChannel = (typeof DECISION_CHANNELS)[number];

/**
 * What an approver decided, sent back to the waiting workflow as the SendTaskSuccess output. The approver
 * may lower the minutes or pick a role of the same account the config declares less privileged than the
 * requested one (handlers/core/role-order.ts); never a wider role, never more minutes.
 */
export const approvalDecisionSchema = z.object({
  role: z.string().min(1),
  minutes: z.number().int().min(1),
  approver: z.string().min(1).max(254),
  /** The IAM ARN that decided from the terminal (the approver routes); absent for a review link. */
  principal: z.string().min(1).max(2048).optional(),
  note: z.string().max(MAX_NOTE_LENGTH).optional(),
  decidedAt: z.iso.datetime(),
  channel: z.enum(DECISION_CHANNELS).optional(),
  /** A break-glass self-approval by the requester (docs/approvals.md#break-glass): reviewed after the fact. */
  breakGlass: breakGlassMarkSchema.optional(),
  /**
   * Every approver of a quorum (approval-quorum.ts), oldest first; `approver` is the one that completed
   * it. Absent when one approval sufficed.
   */
  approvers: z
    .array(
      z.object({
        approver: z.string().min(1).max(254),
        principal: z.string().min(1).max(2048).optional(),
        channel: z.enum(DECISION_CHANNELS),
        decidedAt: z.iso.datetime(),
      }),
    )
    .optional(),
});

export type ApprovalDecision = z.infer<typeof approvalDecisionSchema>;

/** A denial as the request record keeps it; the workflow receives the reason as the failure cause. */
export const denialSchema = z.object({
  approver: z.string().min(1).max(254),
  /** The IAM ARN that denied from the terminal (the approver routes); absent for a review link. */
  principal: z.string().min(1).max(2048).optional(),
  reason: z.string().max(MAX_NOTE_LENGTH),
  decidedAt: z.iso.datetime(),
  channel: z.enum(DECISION_CHANNELS),
});

export type Denial = z.infer<typeof denialSchema>;

/** What an approver asks for, before it is checked: from the review form or the CLI. */
export type Verdict =
  | { readonly action: 'approve'; readonly role?: string; readonly minutes?: number; readonly note?: string; readonly breakGlass?: BreakGlassMark }
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
 * Checks an approval against the request and the config (`checkGrantTerms`): the role defaults to the
 * requested one, the minutes to the requested minutes. Every problem is reported at once.
 */
export function approvalTerms(
  request: ElevationRequest,
  verdict: { readonly role?: string; readonly minutes?: number; readonly note?: string },
  settings: BrokerSettings,
): Validation<ApprovalTerms> {
  const terms = checkGrantTerms(settings, { account: request.accountId, role: verdict.role ?? request.role, minutes: verdict.minutes ?? request.minutes });
  // Narrow, never widen: checked whenever the chosen role is one of the account's, beside the config's limits.
  const chosen = terms.ok ? terms.role : configuredRole(request, verdict.role ?? request.role, settings);
  const minutes = verdict.minutes ?? request.minutes;
  const problems = [...(terms.ok ? [] : terms.problems), ...(chosen ? widening(request, { role: chosen, minutes }, settings) : [])];
  const note = approverText('note', verdict.note, problems);
  if (problems.length > 0 || !terms.ok) return { ok: false, problems };
  return { ok: true, value: { role: terms.role, minutes: terms.minutes, ...(note ? { note } : {}) } };
}

/**
 * Checks a decision against the request and the config once more before anything is minted: the config
 * may have changed since the approver decided. Throws `InvalidDecisionError`, which the workflow catches.
 */
export function checkDecision(
  request: ElevationRequest,
  decision: ApprovalDecision,
  settings: BrokerSettings,
): { role: ElevatedRole } {
  // Defence in depth, first: whatever channel the decision came through, it may not be wider than the request.
  const chosen = configuredRole(request, decision.role, settings);
  const wider = chosen ? widening(request, { role: chosen, minutes: decision.minutes }, settings) : [];
  if (wider.length > 0) throw new DecisionWidensRequestError(request.requestId, wider);
  const terms = checkGrantTerms(settings, { account: request.accountId, role: decision.role, minutes: decision.minutes });
  if (!terms.ok) throw new InvalidDecisionError(`The approved terms no longer fit the config: ${terms.problems.join('; ')}`);
  const glass = breakGlassDecisionProblems(settings, decision);
  if (glass.length > 0) throw new InvalidDecisionError(`The break-glass approval no longer fits the config: ${glass.join('; ')}`);
  return { role: terms.role };
}

function configuredRole(request: ElevationRequest, role: string, settings: BrokerSettings): ElevatedRole | undefined {
  const account = findAccount(settings, request.accountId);
  return account ? findRole(account, role) : undefined;
}

/** Where approved terms are wider than the request (role or minutes); empty when they narrow or keep it. */
function widening(request: ElevationRequest, terms: { readonly role: ElevatedRole; readonly minutes: number }, settings: BrokerSettings): string[] {
  return wideningProblems(settings.roleOrder ?? {}, {
    requestedRole: request.role,
    requestedMinutes: request.minutes,
    chosenRole: terms.role.name,
    chosenMinutes: terms.minutes,
  });
}
