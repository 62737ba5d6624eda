import { z } from 'zod';
import { type ApprovalDecision, DECISION_CHANNELS, MAX_NOTE_LENGTH } from './approval-decision';

/**
 * A request whose route needs N approvals (config `approval.routes[].quorum`) waits until N distinct
 * routed approvers approved, or one denied. Each approval is kept on the record under its approver's
 * address (one entry per person, so the same person twice counts once); only the approval that completes
 * the quorum takes the single decision and answers the workflow (decide-request.ts).
 */
export const quorumApprovalSchema = z.object({
  approver: z.string().min(1).max(254),
  principal: z.string().min(1).max(2048).optional(),
  channel: z.enum(DECISION_CHANNELS),
  decidedAt: z.iso.datetime(),
  role: z.string().min(1),
  minutes: z.number().int().min(1),
  note: z.string().max(MAX_NOTE_LENGTH).optional(),
});

export type QuorumApproval = z.infer<typeof quorumApprovalSchema>;

/** Approvals by approver address, as the record keeps them. */
export type QuorumApprovals = Readonly<Record<string, QuorumApproval>>;

/** The approvals so far, oldest first. */
export function approvalsInOrder(approvals: QuorumApprovals | undefined): QuorumApproval[] {
  return Object.values(approvals ?? {}).sort((a, b) => a.decidedAt.localeCompare(b.decidedAt) || a.approver.localeCompare(b.approver));
}

/**
 * Whether an approval may join those already counted: every approver of a quorum approves the same role
 * (one may not widen what another agreed to; narrowing is by denying and asking again).
 */
export function quorumConflict(counted: readonly QuorumApproval[], role: string): string | undefined {
  const other = counted.find((a) => a.role !== role);
  return other ? `role: ${other.approver} approved ${other.role}; every approval of this request must be for the same role (deny instead to stop it)` : undefined;
}

/**
 * The decision a completed quorum sends to the workflow: the terms every approver agreed to (the role they
 * all approved, the fewest minutes any of them approved), named after the approval that completed it, with
 * every approver listed.
 */
export function quorumDecision(approvals: readonly QuorumApproval[], completing: QuorumApproval): ApprovalDecision {
  const minutes = Math.min(...approvals.map((a) => a.minutes));
  const notes = approvals.filter((a) => a.note).map((a) => (approvals.length > 1 ? `${a.approver}: ${a.note}` : (a.note ?? '')));
  const note = notes.join(' | ').slice(0, MAX_NOTE_LENGTH);
  return {
    role: completing.role,
    minutes,
    approver: completing.approver,
    ...(completing.principal ? { principal: completing.principal } : {}),
    ...(note ? { note } : {}),
    decidedAt: completing.decidedAt,
    channel: completing.channel,
    approvers: approvals.map((a) => ({ approver: a.approver, ...(a.principal ? { principal: a.principal } : {}), channel: a.channel, decidedAt: a.decidedAt })),
  };
}
