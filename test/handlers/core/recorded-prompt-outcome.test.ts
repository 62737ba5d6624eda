import { WINDOW_CLOSED, recordedPromptOutcome } from '../../../handlers/core/recorded-prompt-outcome';

const DECIDED_AT = '2026-12-03T07:00:00.000Z';
const decision = { role: 'Ops', minutes: 10, approver: 'security-lead@example.com', decidedAt: DECIDED_AT, channel: 'web' as const };
const denial = { approver: 'security-lead@example.com', reason: 'no', decidedAt: DECIDED_AT, channel: 'cli' as const };
const grant = { grantId: 'g-1' } as never;

describe('recordedPromptOutcome: what the prompts show, from the table only', () => {
  it.each([
    ['still waiting: the buttons stay', { status: 'PENDING_APPROVAL' }, undefined],
    ['registered, not yet asked', { status: 'REGISTERED' }, undefined],
    ['a decision given back for another try (pending again)', { status: 'PENDING_APPROVAL', decision }, undefined],
    ['approved and live', { status: 'GRANTED', decision }, { kind: 'approved', approver: 'security-lead@example.com', role: 'Ops', minutes: 10, at: DECIDED_AT }],
    ['approved and audited', { status: 'AUDITED', decision }, { kind: 'approved', approver: 'security-lead@example.com', role: 'Ops', minutes: 10, at: DECIDED_AT }],
    ['approved by break-glass', { status: 'APPROVED', decision: { ...decision, breakGlass: { reason: 'down', maxMinutes: 15 } } }, { kind: 'approved', approver: 'security-lead@example.com', role: 'Ops', minutes: 10, at: DECIDED_AT, breakGlass: true }],
    ['denied', { status: 'DENIED', denial }, { kind: 'denied', approver: 'security-lead@example.com', at: DECIDED_AT }],
    ['the window closed', { status: 'APPROVAL_EXPIRED' }, WINDOW_CLOSED],
    ['a decision that came after the workflow stopped waiting', { status: 'APPROVAL_EXPIRED', decision }, WINDOW_CLOSED],
    ['approved, then refused for a live grant', { status: 'REFUSED', decision }, { kind: 'closed', why: 'Approved by security-lead@example.com, but a grant of the same agent and account was live; nothing was issued.' }],
    ['approved, then the mint failed', { status: 'FAILED', decision }, { kind: 'closed', why: 'Approved by security-lead@example.com, but the grant failed; nothing was delivered.' }],
    ['approved and delivered, then the audit failed', { status: 'FAILED', decision, grant }, { kind: 'approved', approver: 'security-lead@example.com', role: 'Ops', minutes: 10, at: DECIDED_AT }],
    ['the approval step failed, nobody decided', { status: 'FAILED' }, { kind: 'closed', why: 'Closed (FAILED).' }],
  ] as const)('%s', (_name, record, expected) => {
    expect(recordedPromptOutcome(record as never)).toEqual(expected);
  });
});
