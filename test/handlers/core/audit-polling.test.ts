import fc from 'fast-check';
import { AUDIT_POLL_INTERVAL_SECONDS, auditRegions, observePoll, planAudit, type AuditState } from '../../../handlers/core/audit-polling';
import { credential } from '../../helpers/audit-fixtures';

const timing = { delayMinutes: 10, maxLagMinutes: 30 };
const at = (iso: string) => new Date(iso);
const plusMinutes = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000);

describe('planAudit', () => {
  it('polls first a delivery lag after the credentials stop working, and gives up a maximum lag after', () => {
    // A 5-minute grant: STS sessions last at least 15 minutes; calls until then are denied but recorded.
    const c = credential({ issuedAt: '2026-11-28T10:00:00Z', expiresAt: '2026-11-28T10:05:00Z', stsExpiresAt: '2026-11-28T10:15:00Z' });

    const state = planAudit([c], undefined, timing, at('2026-11-28T10:15:01Z'));

    expect(state).toMatchObject({
      silentAfter: '2026-11-28T10:15:00.000Z',
      nextPollAt: '2026-11-28T10:25:00.000Z',
      deadline: '2026-11-28T10:45:00.000Z',
      window: { start: '2026-11-28T09:55:00.000Z', end: '2026-11-28T10:40:00.000Z' },
      polls: 0,
      done: false,
    });
  });

  it('covers every key of the request, from the first issued to the last expiring', () => {
    const first = credential({ accessKeyId: 'ASIAFIRSTATTEMPT0001', issuedAt: '2026-11-28T10:00:00Z', expiresAt: '2026-11-28T10:30:00Z', stsExpiresAt: '2026-11-28T10:30:00Z' });
    const second = credential({ issuedAt: '2026-11-28T10:02:00Z', expiresAt: '2026-11-28T10:32:00Z', stsExpiresAt: '2026-11-28T10:32:00Z' });

    const state = planAudit([first, second], undefined, timing, at('2026-11-28T10:32:00Z'));

    expect(state.window.start).toBe('2026-11-28T09:55:00.000Z');
    expect(state.silentAfter).toBe('2026-11-28T10:32:00.000Z');
    expect(state.credentials).toHaveLength(2);
  });

  it('has nothing to do without credentials', () => {
    expect(planAudit([], undefined, timing, at('2026-11-28T10:00:00Z'))).toMatchObject({ done: true, credentials: [] });
  });

  it('always searches us-east-1, where IAM and global STS events land', () => {
    expect(auditRegions(['eu-west-1', 'eu-central-1'])).toEqual(['eu-west-1', 'eu-central-1', 'us-east-1']);
    expect(auditRegions(['us-east-1', 'eu-west-1'])).toEqual(['us-east-1', 'eu-west-1']);
  });
});

describe('observePoll', () => {
  const start = planAudit([credential()], undefined, timing, at('2026-11-28T10:30:00Z'));
  const poll = (state: AuditState, ids: string[], minute: number, readEverything = true) =>
    observePoll(state, { eventIds: ids, readEverything }, plusMinutes(start.nextPollAt, minute), timing);

  it('settles after a baseline poll and two polls a minute apart that find nothing new', () => {
    const first = poll(start, ['a', 'b'], 0);
    const second = poll(first.state, ['b', 'a'], 1);
    const third = poll(second.state, ['a', 'b'], 2);

    expect([first.state.done, second.state.done, third.state.done]).toEqual([false, false, true]);
    expect(third).toMatchObject({ complete: true, state: { polls: 3, quietPolls: 2, eventCount: 2 } });
    expect(third.reason).toMatch(/^CloudTrail settled/);
    expect(Date.parse(first.state.nextPollAt) - Date.parse(first.state.lastPollAt ?? '')).toBe(AUDIT_POLL_INTERVAL_SECONDS * 1000);
  });

  it('starts counting again when a late event arrives', () => {
    const first = poll(start, ['a'], 0);
    const second = poll(first.state, ['a'], 1);
    const late = poll(second.state, ['a', 'late'], 2);

    expect(late.state).toMatchObject({ quietPolls: 0, eventCount: 2, done: false, lastChangeAt: plusMinutes(start.nextPollAt, 2).toISOString() });
  });

  it('never counts a poll that could not read every region as quiet', () => {
    const first = poll(start, [], 0);
    const second = poll(first.state, [], 1, false);
    const third = poll(second.state, [], 2);

    expect(second.state.quietPolls).toBe(0);
    expect(third.state).toMatchObject({ quietPolls: 1, done: false });
  });

  it('gives up at the deadline and says the report is incomplete', () => {
    let state = start;
    let verdict = poll(state, ['e0'], 0);
    // A new event every minute: the trail never settles.
    for (let minute = 1; !verdict.state.done; minute++) {
      state = verdict.state;
      verdict = poll(state, Array.from({ length: minute + 1 }, (_, i) => `e${i}`), minute);
    }

    expect(verdict.complete).toBe(false);
    expect(verdict.state.lastPollAt).toBe(start.deadline);
    expect(verdict.reason).toMatch(/maximum lag of 30 min .* passed before the trail settled/);
  });

  it('names unreadable regions when it gives up', () => {
    const verdict = observePoll(start, { eventIds: [], readEverything: false }, at(start.deadline), timing);

    expect(verdict).toMatchObject({ complete: false, state: { done: true } });
    expect(verdict.reason).toMatch(/Not every region could be read/);
  });

  it('always ends by the deadline, whatever CloudTrail returns', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ grows: fc.boolean(), readEverything: fc.boolean(), lateSeconds: fc.integer({ min: 0, max: 300 }) }), { minLength: 40, maxLength: 40 }), (polls) => {
        let state = start;
        let now = Date.parse(start.nextPollAt);
        let ids: string[] = [];
        for (const [i, p] of polls.entries()) {
          if (state.done) break;
          if (p.grows) ids = [...ids, `e${i}`];
          const verdict = observePoll(state, { eventIds: ids, readEverything: p.readEverything }, new Date(now), timing);
          expect(Date.parse(verdict.state.nextPollAt)).toBeLessThanOrEqual(Math.max(Date.parse(start.deadline), now));
          state = verdict.state;
          // The Wait state waits until nextPollAt; the task may start a little later.
          now = Math.max(now, Date.parse(state.nextPollAt)) + p.lateSeconds * 1000;
        }
        expect(state.done).toBe(true);
        expect(Date.parse(state.lastPollAt ?? '')).toBeLessThanOrEqual(Date.parse(start.deadline) + 300_000);
      }),
    );
  });
});
