import { type LifecycleWrite, REQUEST_TRANSITIONS, type StatusTransition, isRecordedStatus, isSettledStatus, mayMove, statusesBefore } from '../../../handlers/core/request-lifecycle';
import { SETTLED_STATUSES } from '../../../handlers/core/request-status';
import { REQUEST_STATUSES, type RequestStatus } from '../../../handlers/core/request-record';

/** The whole lifecycle, written out by hand: every move each write may make. Everything else is refused. */
const ALLOWED: Readonly<Record<LifecycleWrite, readonly string[]>> = {
  create: ['(none) → REGISTERED'],
  awaitDecision: ['REGISTERED → PENDING_APPROVAL', 'PENDING_APPROVAL → PENDING_APPROVAL'],
  claimDecision: ['PENDING_APPROVAL → APPROVED', 'PENDING_APPROVAL → DENIED'],
  releaseDecision: ['APPROVED → PENDING_APPROVAL', 'DENIED → PENDING_APPROVAL'],
  expireDecision: ['APPROVED → APPROVAL_EXPIRED', 'DENIED → APPROVAL_EXPIRED'],
  recordOutcome: [
    'APPROVED → GRANTED',
    'PENDING_APPROVAL → GRANTED',
    'PENDING_APPROVAL → DENIED',
    'REGISTERED → APPROVAL_EXPIRED',
    'PENDING_APPROVAL → APPROVAL_EXPIRED',
    'APPROVED → APPROVAL_EXPIRED',
    'DENIED → APPROVAL_EXPIRED',
    'REGISTERED → FAILED',
    'PENDING_APPROVAL → FAILED',
    'APPROVED → FAILED',
    'DENIED → FAILED',
    'GRANTED → FAILED',
    'ENDED → FAILED',
    'REVOKED → FAILED',
    'GRANTED → ENDED',
    'GRANTED → REVOKED',
    'ENDED → AUDITED',
    'REVOKED → AUDITED',
    'FAILED → AUDITED',
    // A grant of the same agent and account is live: seen by Register, or Mint could not take the lease.
    'REGISTERED → REFUSED',
    'PENDING_APPROVAL → REFUSED',
    'APPROVED → REFUSED',
    // An extension request whose set was delivered into the live grant.
    'PENDING_APPROVAL → EXTENDED',
    'APPROVED → EXTENDED',
  ],
};

const WRITES = Object.keys(ALLOWED) as LifecycleWrite[];
const FROM: readonly (RequestStatus | null)[] = [null, ...REQUEST_STATUSES];
const label = (from: RequestStatus | null, to: RequestStatus) => `${from ?? '(none)'} → ${to}`;

describe('request lifecycle', () => {
  describe.each(WRITES)('%s', (write) => {
    const cases = FROM.flatMap((from) => REQUEST_STATUSES.map((to) => [label(from, to), from, to] as const));
    it.each(cases)('%s is allowed exactly when the lifecycle lists it', (name, from, to) => {
      expect(mayMove(write, from, to)).toBe(ALLOWED[write].includes(name));
    });
  });

  it('lists each move once, and nothing the hand-written lifecycle does not', () => {
    const listed = REQUEST_TRANSITIONS.map((t) => `${t.by}: ${label(t.from, t.to)}`);
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed.sort()).toEqual(WRITES.flatMap((w) => ALLOWED[w].map((m) => `${w}: ${m}`)).sort());
  });

  it('names the step behind every move', () => {
    for (const t of REQUEST_TRANSITIONS) expect(t.step.length).toBeGreaterThan(10);
  });

  it('never moves a request out of AUDITED, APPROVAL_EXPIRED or REJECTED', () => {
    for (const t of REQUEST_TRANSITIONS) expect(['AUDITED', 'APPROVAL_EXPIRED', 'REJECTED']).not.toContain(t.from);
  });

  it('lets ENDED and REVOKED follow only GRANTED, so an early end and the end at expiry cannot overwrite each other', () => {
    expect(statusesBefore('recordOutcome', 'ENDED')).toEqual(['GRANTED']);
    expect(statusesBefore('recordOutcome', 'REVOKED')).toEqual(['GRANTED']);
    expect(mayMove('recordOutcome', 'REVOKED', 'ENDED')).toBe(false);
    expect(mayMove('recordOutcome', 'ENDED', 'REVOKED')).toBe(false);
  });

  it('refuses every repeat of an outcome, so a replayed Notify changes nothing', () => {
    for (const status of REQUEST_STATUSES) expect(mayMove('recordOutcome', status, status)).toBe(false);
  });

  it('never stores REJECTED: a request that never validated has no record', () => {
    expect(isRecordedStatus('REJECTED')).toBe(false);
    expect(REQUEST_STATUSES.filter((s) => !isRecordedStatus(s))).toEqual(['REJECTED']);
  });

  it('gives statusesBefore in table order without duplicates, and nothing for a status no write of that kind stores', () => {
    expect(statusesBefore('recordOutcome', 'APPROVAL_EXPIRED')).toEqual(['REGISTERED', 'PENDING_APPROVAL', 'APPROVED', 'DENIED']);
    expect(statusesBefore('recordOutcome', 'PENDING_APPROVAL')).toEqual([]);
    expect(statusesBefore('create', 'REGISTERED')).toEqual([]);
  });

  describe('settled statuses', () => {
    it('are the outcomes after which no recorded outcome grants access, and REJECTED', () => {
      expect([...SETTLED_STATUSES].sort()).toEqual(['APPROVAL_EXPIRED', 'AUDITED', 'DENIED', 'ENDED', 'EXTENDED', 'FAILED', 'REFUSED', 'REJECTED', 'REVOKED']);
      expect(SETTLED_STATUSES.has('REQUESTED')).toBe(false);
    });

    it('follow the table: an outcome that could lead back to a grant is no longer settled', () => {
      const regrant: StatusTransition = { from: 'ENDED', to: 'GRANTED', by: 'recordOutcome', step: 'a hypothetical re-grant' };
      const table = [...REQUEST_TRANSITIONS, regrant];
      expect(isSettledStatus('ENDED', table)).toBe(false);
      // AUDITED cannot reach ENDED, so it stays settled; FAILED cannot either (FAILED → AUDITED only).
      expect(isSettledStatus('AUDITED', table)).toBe(true);
      expect(isSettledStatus('FAILED', table)).toBe(true);
    });

    it('do not count a claimed decision the approval step may still release', () => {
      const outcomesOnlyTable = REQUEST_TRANSITIONS.filter((t) => !(t.to === 'DENIED' && t.by === 'recordOutcome'));
      expect(isSettledStatus('DENIED', outcomesOnlyTable)).toBe(false);
      expect(isSettledStatus('DENIED')).toBe(true);
      expect(isSettledStatus('PENDING_APPROVAL')).toBe(false);
      expect(isSettledStatus('APPROVED')).toBe(false);
      expect(isSettledStatus('GRANTED')).toBe(false);
    });
  });
});
