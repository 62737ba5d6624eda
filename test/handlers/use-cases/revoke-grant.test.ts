import type { BrokerEvent } from '../../../handlers/core/broker-event';
import type { GrantSummary } from '../../../handlers/core/grant';
import type { RequestRecord } from '../../../handlers/core/request-record';
import type { RevocationPolicy } from '../../../handlers/core/revocation-policy';
import type { RequestStore } from '../../../handlers/ports/request-store';
import { LIFT_MARGIN_MINUTES, liftRevocation, refuseMalformedEnd, revokeGrant, type RevokeGrantDeps } from '../../../handlers/use-cases/revoke-grant';
import { InMemoryGrantLeases } from '../../fakes/ports/in-memory-grant-leases';
import { InMemoryRequestStore } from '../../fakes/ports/in-memory-request-store';
import { ManualClock } from '../../helpers/approval-fixtures';
import { requestRecord } from '../../helpers/fixtures';

const REQUEST_ID = 'req-unit-0001';
const SESSION = `arn:aws:sts::222222222222:assumed-role/AgentElevated-Ops/jit-${REQUEST_ID}`;
const APPROVER = 'arn:aws:sts::111111111111:assumed-role/OnCall/alice';

function grantedRecord(now: Date): RequestRecord {
  const grant: GrantSummary = {
    grantId: `${REQUEST_ID}-${'c'.repeat(24)}`,
    requestId: REQUEST_ID,
    accountId: '222222222222',
    role: 'Ops',
    roleArn: 'arn:aws:iam::222222222222:role/AgentElevated-Ops',
    accessKeyId: 'ASIAUNIT000000000001',
    sourceIdentity: `jit-${REQUEST_ID}`,
    grantedAt: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    expiresAt: new Date(now.getTime() + 5 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    stsExpiresAt: new Date(now.getTime() + 15 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    resetScheduleName: `jit-reset-${REQUEST_ID}`,
  };
  return requestRecord({ requestId: REQUEST_ID, reason: 'r', requestedAt: now.toISOString(), status: 'GRANTED', grant });
}

/** The in-memory store holding one record, as earlier writes left it. */
function storeHolding(record: RequestRecord): InMemoryRequestStore {
  const store = new InMemoryRequestStore();
  store.seed(record);
  return store;
}

function deps(store: RequestStore, clock: ManualClock, arn: string | undefined) {
  const calls = { resets: 0, denies: [] as RevocationPolicy[], removed: [] as string[], lifts: [] as Array<{ name: string; at: Date }>, events: [] as BrokerEvent[] };
  const d: RevokeGrantDeps = {
    store,
    clock,
    resetter: { reset: async () => (calls.resets++, 'reset') },
    revoker: {
      attachDeny: async (_a, _r, policy) => void calls.denies.push(policy),
      removeDeny: async (_a, _r, name) => (calls.removed.push(name), 'removed'),
    },
    lifts: { scheduleLift: async (name, at) => void calls.lifts.push({ name, at }) },
    verifier: { verify: async () => (arn ? { ok: true, arn } : { ok: false, reason: 'STS refused it (SignatureDoesNotMatch)' }) },
    publisher: { publish: async (e) => void calls.events.push(e) },
    leases: new InMemoryGrantLeases(),
  };
  return { d, calls };
}

describe('revokeGrant', () => {
  const clock = new ManualClock(new Date('2026-11-28T10:00:00Z'));

  it('schedules the lift the margin after the STS expiry, not the approved expiry', async () => {
    // Prepare
    const store = storeHolding(grantedRecord(clock.now()));
    const { d, calls } = deps(store, clock, APPROVER);

    // Act
    await revokeGrant({ action: 'revoke', requestId: REQUEST_ID, proof: 'p' }, d);

    // Assess
    expect(calls.lifts).toEqual([{ name: `jit-lift-${REQUEST_ID}`, at: new Date(Date.parse('2026-11-28T10:15:00Z') + LIFT_MARGIN_MINUTES * 60_000) }]);
  });

  it('keeps the deny until the last set an extension minted has expired, even before the record names that set', async () => {
    // Prepare: an extension's set, recorded on the request, outlives the grant the record still names.
    const record = grantedRecord(clock.now());
    const later = '2026-11-28T10:40:00Z';
    const store = storeHolding({ ...record, issuedCredentials: [{ accessKeyId: 'ASIAUNIT000000000002', grantId: `${REQUEST_ID}-${'d'.repeat(24)}`, roleArn: record.grant?.roleArn ?? '', sourceIdentity: `jit-${REQUEST_ID}`, issuedAt: '2026-11-28T10:00:00Z', expiresAt: '2026-11-28T10:31:00Z', stsExpiresAt: later, extends: record.grant?.grantId, extensionId: 'ext-unit-00001' }] });
    const { d, calls } = deps(store, clock, APPROVER);

    // Act
    await revokeGrant({ action: 'revoke', requestId: REQUEST_ID, proof: 'p' }, d);

    // Assess
    expect(calls.lifts).toEqual([{ name: `jit-lift-${REQUEST_ID}`, at: new Date(Date.parse(later) + LIFT_MARGIN_MINUTES * 60_000) }]);
    clock.advance(20 * 60_000);
    await expect(liftRevocation({ action: 'lift', requestId: REQUEST_ID }, d)).rejects.toThrow(later);
    clock.advance(-20 * 60_000);
  });

  it('refuses an approver whose proof STS does not accept, and changes nothing', async () => {
    // Prepare
    const store = storeHolding(grantedRecord(clock.now()));
    const before = await store.get(REQUEST_ID);
    const { d, calls } = deps(store, clock, undefined);

    // Act
    const outcome = await revokeGrant({ action: 'revoke', requestId: REQUEST_ID, proof: 'p' }, d);

    // Assess
    expect(outcome).toEqual({ kind: 'refused', reason: 'the proof of identity was not accepted: STS refused it (SignatureDoesNotMatch)' });
    expect(await store.get(REQUEST_ID)).toEqual(before);
    expect(calls).toMatchObject({ resets: 0, denies: [], lifts: [], events: [] });
  });

  it('does nothing for a grant past its approved expiry: the time fence already ended it', async () => {
    // Prepare
    const store = storeHolding(grantedRecord(new Date(clock.now().getTime() - 6 * 60_000)));
    const { d, calls } = deps(store, clock, APPROVER);

    // Act
    const outcome = await revokeGrant({ action: 'revoke', requestId: REQUEST_ID, proof: 'p' }, d);

    // Assess
    expect(outcome.kind).toBe('not-active');
    expect(calls.denies).toEqual([]);
  });

  it('lets the first of two concurrent revocations record; the second reports the first', async () => {
    // Prepare
    const store = storeHolding(grantedRecord(clock.now()));
    const first = deps(store, clock, APPROVER);
    const second = deps(store, clock, SESSION);

    // Act
    const [a, b] = await Promise.all([
      revokeGrant({ action: 'revoke', requestId: REQUEST_ID, proof: 'p' }, first.d),
      revokeGrant({ action: 'end', requestId: REQUEST_ID, proof: 'p' }, second.d),
    ]);

    // Assess
    expect([a.kind, b.kind].sort()).toEqual(['already-revoked', 'revoked']);
    expect((await store.get(REQUEST_ID))?.revokedBy).toBe(a.kind === 'revoked' ? APPROVER : SESSION);
  });

  it('cannot be overwritten by the end at expiry: ENDED only follows GRANTED', async () => {
    // Prepare
    const store = storeHolding(grantedRecord(clock.now()));
    const { d } = deps(store, clock, APPROVER);
    await revokeGrant({ action: 'revoke', requestId: REQUEST_ID, proof: 'p' }, d);

    // Act / Assess: Notify Ended at expiry comes after the revocation.
    expect(await store.setStatus(REQUEST_ID, 'ENDED', {}, clock.now())).toBe(false);
    expect((await store.get(REQUEST_ID))?.status).toBe('REVOKED');
  });
});

describe('liftRevocation', () => {
  it('refuses before the STS expiry and removes the deny after it', async () => {
    // Prepare
    const clock = new ManualClock(new Date('2026-11-28T10:00:00Z'));
    const store = storeHolding(grantedRecord(clock.now()));
    const { d, calls } = deps(store, clock, APPROVER);
    await revokeGrant({ action: 'revoke', requestId: REQUEST_ID, proof: 'p' }, d);

    // Act / Assess: still within the STS validity.
    clock.advance(14 * 60_000);
    await expect(liftRevocation({ action: 'lift', requestId: REQUEST_ID }, d)).rejects.toMatchObject({ name: 'RevocationLiftTooEarlyError' });
    expect(calls.removed).toEqual([]);

    // Act / Assess: the credentials are dead.
    clock.advance(6 * 60_000);
    await expect(liftRevocation({ action: 'lift', requestId: REQUEST_ID }, d)).resolves.toEqual({ kind: 'lifted' });
    expect(calls.removed).toEqual([`jit-revoked-${REQUEST_ID}`]);
  });

  it('removes nothing for a request that was never revoked', async () => {
    // Prepare
    const clock = new ManualClock(new Date('2026-11-28T11:00:00Z'));
    const { d, calls } = deps(storeHolding(grantedRecord(new Date('2026-11-28T10:00:00Z'))), clock, APPROVER);

    // Act / Assess
    await expect(liftRevocation({ action: 'lift', requestId: REQUEST_ID }, d)).resolves.toEqual({ kind: 'not-revoked' });
    expect(calls.removed).toEqual([]);
  });
});

describe('refuseMalformedEnd', () => {
  function publisher() {
    const events: BrokerEvent[] = [];
    return { events, publish: async (e: BrokerEvent) => void events.push(e) };
  }

  it('answers an end request that names a request but does not validate with End Refused', async () => {
    // Prepare
    const p = publisher();

    // Act / Assess
    await expect(refuseMalformedEnd({ action: 'end', requestId: 'req-00000001', proof: 42 }, { publisher: p })).resolves.toBe(true);
    expect(p.events).toEqual([{ outcome: 'End Refused', detail: { requestId: 'req-00000001', code: 'malformed', reason: 'the end request was malformed' } }]);
  });

  it.each([
    ['a revoke', { action: 'revoke', requestId: 'req-00000001' }],
    ['a lift', { action: 'lift' }],
    ['an end naming no well-formed request', { action: 'end', requestId: '../../etc/passwd' }],
    ['nothing', undefined],
  ])('publishes nothing for %s', async (_name, raw) => {
    const p = publisher();
    await expect(refuseMalformedEnd(raw, { publisher: p })).resolves.toBe(false);
    expect(p.events).toEqual([]);
  });
});
