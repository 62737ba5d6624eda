import fc from 'fast-check';
import type { ApprovalDecision } from '../../../handlers/core/approval-decision';
import { minutesLeft, noticePlanSchema, noticeRecipients, noticeSkip, planNotice } from '../../../handlers/core/expiry-notice';

const GRANTED_AT = '2026-11-28T10:00:00Z';
const grant = (minutes: number, extra: { extends?: string; grantedAt?: string } = {}) => ({
  grantId: 'req-notice-0001-aaaaaaaaaaaaaaaaaaaaaaaa',
  grantedAt: extra.grantedAt ?? GRANTED_AT,
  expiresAt: new Date(Date.parse(extra.grantedAt ?? GRANTED_AT) + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  ...(extra.extends ? { extends: extra.extends } : {}),
});
const at = (iso: string) => new Date(iso);
const decision = (extra: Partial<ApprovalDecision> = {}): ApprovalDecision => ({ role: 'Ops', minutes: 15, approver: 'lead@example.com', decidedAt: GRANTED_AT, channel: 'web', ...extra });

describe('planNotice', () => {
  it('plans the notice N minutes before the expiry, in whole seconds with an uppercase T and Z (a Wait state timestamp)', () => {
    // Act
    const plan = planNotice(grant(15), 5, at('2026-11-28T10:00:01.250Z'));

    // Assess
    expect(plan).toEqual({ due: true, at: '2026-11-28T10:10:00Z', grantId: grant(15).grantId, minutesBefore: 5 });
    expect(noticePlanSchema.parse(plan)).toEqual(plan);
  });

  it('plans none when turned off, or for a first set of N minutes or less', () => {
    expect(planNotice(grant(15), 0, at(GRANTED_AT))).toEqual({ due: false, why: 'off' });
    expect(planNotice(grant(5), 5, at(GRANTED_AT))).toEqual({ due: false, why: 'too-short' });
    expect(planNotice(grant(3), 5, at(GRANTED_AT))).toEqual({ due: false, why: 'too-short' });
    expect(planNotice(grant(6), 5, at(GRANTED_AT))).toMatchObject({ due: true, at: '2026-11-28T10:01:00Z' });
  });

  it("gives an extension's set taken over at the old expiry its notice at once when its moment has passed", () => {
    // Prepare: the old set expired at 10:15; the extension added 3 minutes (less than N = 5).
    const extended = { ...grant(18), extends: 'req-notice-0001-bbbbbbbbbbbbbbbbbbbbbbbb' };

    // Act
    const plan = planNotice(extended, 5, at('2026-11-28T10:15:00.400Z'));

    // Assess
    expect(plan).toEqual({ due: true, at: '2026-11-28T10:15:00Z', grantId: extended.grantId, minutesBefore: 5 });
    expect(planNotice({ ...grant(25), extends: 'x' }, 5, at('2026-11-28T10:15:00Z'))).toMatchObject({ due: true, at: '2026-11-28T10:20:00Z' });
  });

  it('plans none for a set already expired (or within its last second)', () => {
    expect(planNotice({ ...grant(15), extends: 'x' }, 5, at('2026-11-28T10:14:59.500Z'))).toEqual({ due: false, why: 'already-expired' });
  });

  it('never plans a notice before now, after the expiry, or off whole seconds (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 130 * 60_000 }), fc.boolean(), (minutes, before, elapsed, extended) => {
        const g = extended ? { ...grant(minutes), extends: 'x' } : grant(minutes);
        const now = new Date(Date.parse(GRANTED_AT) + elapsed);
        const plan = planNotice(g, before, now);
        if (!plan.due) return;
        const when = Date.parse(plan.at);
        expect(plan.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
        expect(when).toBeLessThan(Date.parse(g.expiresAt));
        expect(when).toBeGreaterThan(now.getTime() - 1000);
        expect(when).toBeLessThanOrEqual(Math.max(Date.parse(g.expiresAt) - before * 60_000, now.getTime()));
        if (!extended) expect(minutes).toBeGreaterThan(before);
      }),
    );
  });
});

describe('noticeSkip', () => {
  const id = grant(15).grantId;
  const live = { status: 'GRANTED' as const, grant: { grantId: id, expiresAt: grant(15).expiresAt, role: 'Ops' } };

  it('lets the notice of the live set through', () => {
    expect(noticeSkip(live, id)).toBeUndefined();
  });

  it('skips a request no longer granted, revoked or ended early, or whose set an extension replaced', () => {
    expect(noticeSkip(undefined, id)).toBe('not-granted');
    expect(noticeSkip({ ...live, status: 'ENDED' }, id)).toBe('not-granted');
    expect(noticeSkip({ ...live, status: 'REVOKED', revokedAt: GRANTED_AT }, id)).toBe('not-granted');
    expect(noticeSkip({ ...live, revokedAt: GRANTED_AT }, id)).toBe('revoked');
    expect(noticeSkip({ ...live, grant: { ...live.grant, grantId: 'req-notice-0001-bbbbbbbbbbbbbbbbbbbbbbbb' } }, id)).toBe('extended');
  });
});

describe('noticeRecipients', () => {
  const routed = ['lead@example.com', 'oncall@example.com'];

  it('is the approver who approved, or every approver of a quorum, once each', () => {
    expect(noticeRecipients(decision(), routed)).toEqual(['lead@example.com']);
    const quorum = decision({
      approver: 'b@example.com',
      approvers: [
        { approver: 'a@example.com', channel: 'web', decidedAt: GRANTED_AT },
        { approver: 'B@example.com', channel: 'cli', decidedAt: GRANTED_AT },
        { approver: 'b@example.com', channel: 'slack', decidedAt: GRANTED_AT },
      ],
    });
    expect(noticeRecipients(quorum, routed)).toEqual(['a@example.com', 'B@example.com']);
  });

  it('falls back to the routed approvers when no other human approved: a rule, or break-glass', () => {
    expect(noticeRecipients(decision({ approver: 'rule:read-only', channel: 'rule' }), routed)).toEqual(routed);
    expect(noticeRecipients(decision({ approver: 'operator@example.com', channel: 'cli', breakGlass: { reason: 'outage', maxMinutes: 15 } }), routed)).toEqual(routed);
    expect(noticeRecipients(undefined, routed)).toEqual(routed);
  });
});

describe('minutesLeft', () => {
  it('rounds up, never below zero', () => {
    expect(minutesLeft('2026-11-28T10:15:00Z', at('2026-11-28T10:10:00Z'))).toBe(5);
    expect(minutesLeft('2026-11-28T10:15:00Z', at('2026-11-28T10:10:01Z'))).toBe(5);
    expect(minutesLeft('2026-11-28T10:15:00Z', at('2026-11-28T10:16:00Z'))).toBe(0);
  });
});
