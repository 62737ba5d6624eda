import { EXTENSION_MIN_REMAINING_SECONDS, MAX_TOTAL_GRANT_MINUTES, checkExtension, extensionLabel, extensionWindow } from '../../../handlers/core/grant-extension';
import { exampleSettings } from '../../helpers/synth';

const NOW = new Date('2026-11-28T10:10:00Z');
const live = (overrides: Record<string, unknown> = {}) => ({
  requestId: 'req-live-00000001',
  status: 'GRANTED',
  agentId: 'default',
  accountId: '222222222222',
  revoked: false,
  grant: { grantId: `req-live-00000001-${'a'.repeat(24)}`, role: 'Deploy', grantedAt: '2026-11-28T10:00:00Z', expiresAt: '2026-11-28T10:30:00Z' },
  ...overrides,
});
const ask = (minutes: number, agentId = 'default') => ({ extends: 'req-live-00000001', agentId, minutes });

describe('Core: extending a live grant', () => {
  const settings = exampleSettings();

  it('accepts an extension of a live grant of the same agent and fixes the set it extends', () => {
    expect(checkExtension(live(), ask(20), settings, NOW)).toEqual({
      ok: true,
      extension: { requestId: 'req-live-00000001', grantId: `req-live-00000001-${'a'.repeat(24)}`, firstGrantedAt: '2026-11-28T10:00:00Z', expiresAt: '2026-11-28T10:30:00Z' },
    });
  });

  it.each([
    ['an unknown request', undefined, ask(5), 'no request req-live-00000001'],
    ["another agent's grant", live({ agentId: 'ops-bot' }), ask(5), "is another agent's grant"],
    ['an ended grant', live({ status: 'ENDED' }), ask(5), 'is not live (status ENDED'],
    ['a revoked grant', live({ revoked: true }), ask(5), 'is not live'],
    ['a grant past its expiry', live(), ask(5), 'is not live'],
    ["more than the role's maximum", live(), ask(61), '61 is more than the 60 allowed for role Deploy'],
    ['more than one STS session from now', live(), ask(41), 'more than the 60 of one STS session'],
  ])('refuses %s', (_name, record, asked, problem) => {
    const now = _name === 'a grant past its expiry' ? new Date('2026-11-28T10:30:00Z') : NOW;
    const checked = checkExtension(record, asked, settings, now);
    expect(checked.ok).toBe(false);
    expect(checked.ok ? [] : checked.problems.join('; ')).toContain(problem);
  });

  it(`refuses past ${MAX_TOTAL_GRANT_MINUTES} minutes for the grant and its extensions together`, () => {
    // The grant started 100 minutes ago (an earlier extension); 5 left plus 20 more makes 125.
    const record = live({ grant: { ...live().grant, grantedAt: '2026-11-28T10:05:00Z', firstGrantedAt: '2026-11-28T08:30:00Z', expiresAt: '2026-11-28T10:15:00Z' } });
    const checked = checkExtension(record, ask(20), settings, NOW);
    expect(checked.ok ? '' : checked.problems.join('; ')).toContain(`at most ${MAX_TOTAL_GRANT_MINUTES} minutes together`);
  });

  it(`refuses in the grant's last ${EXTENSION_MIN_REMAINING_SECONDS} seconds, and so does the mint's window`, () => {
    const late = new Date(Date.parse('2026-11-28T10:30:00Z') - (EXTENSION_MIN_REMAINING_SECONDS - 1) * 1000);
    const checked = checkExtension(live(), ask(5), settings, late);
    expect(checked.ok ? '' : checked.problems.join('; ')).toContain('too late to extend');
    const extension = { requestId: 'req-live-00000001', grantId: `req-live-00000001-${'a'.repeat(24)}`, firstGrantedAt: '2026-11-28T10:00:00Z', expiresAt: '2026-11-28T10:30:00Z' };
    expect(() => extensionWindow(extension, 5, late)).toThrow('too late to extend');
  });

  it('gives the new set its own fence at the new expiry plus the handover, and an STS session that outlives it', () => {
    const extension = { requestId: 'req-live-00000001', grantId: `req-live-00000001-${'a'.repeat(24)}`, firstGrantedAt: '2026-11-28T10:00:00Z', expiresAt: '2026-11-28T10:30:00Z' };
    expect(extensionWindow(extension, 20, NOW)).toEqual({
      expiresAt: new Date('2026-11-28T10:50:00Z'),
      fence: new Date('2026-11-28T10:51:00Z'),
      durationSeconds: 41 * 60,
    });
    // At least STS's 900 s even for a short extension near the end.
    expect(extensionWindow(extension, 1, new Date('2026-11-28T10:27:00Z')).durationSeconds).toBe(900);
  });

  it('labels an extension with what it extends and the time left', () => {
    expect(extensionLabel({ requestId: 'req-live-00000001', expiresAt: '2026-11-28T10:30:00Z' }, 20, NOW)).toBe(
      'Extension of request req-live-00000001: 20 more minutes; 20 minutes remaining (until 2026-11-28T10:30:00Z)',
    );
  });
});
