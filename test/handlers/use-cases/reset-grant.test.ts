import type { ActiveSecret } from '../../../handlers/core/secret-value';
import { restampedVersionId } from '../../../handlers/core/grant-window';
import { secretNameFor } from '../../../handlers/core/resource-names';
import { parseTaskInput } from '../../../handlers/core/task-input';
import { resetGrant, resetTaskInputSchema } from '../../../handlers/use-cases/reset-grant';
import { InMemoryVault } from '../../fakes/ports/in-memory-vault';
import { RecordingEventPublisher } from '../../fakes/ports/recording-event-publisher';

const ACCOUNT = '222222222222';
const NAME = secretNameFor(ACCOUNT);
const grant = (requestId: string, suffix: string): ActiveSecret => ({
  AccessKeyId: 'ASIAEXAMPLEEXAMPLE12',
  SecretAccessKey: 's',
  SessionToken: 't',
  Expiration: '2026-11-28T10:05:00Z',
  GrantedFor: 'restart ECS service',
  GrantedMinutes: 5,
  GrantedAt: '2026-11-28T10:00:00Z',
  RoleName: 'AgentElevated-Ops',
  RequestId: requestId,
  GrantId: `${requestId}-${suffix.repeat(24)}`,
});

describe('resetGrant', () => {
  let vault: InMemoryVault;
  let publisher: RecordingEventPublisher;
  beforeEach(() => {
    vault = new InMemoryVault();
    vault.createSecret(NAME);
    publisher = new RecordingEventPublisher();
  });

  it('resets the grant it was told about, and a second run is a no-op', async () => {
    // Prepare
    const g = grant('req-00000001', 'a');
    await vault.storeGrant(NAME, g);
    const input = { mode: 'expired', requestId: g.RequestId, accountId: ACCOUNT, grantId: g.GrantId } as const;

    // Act
    const first = await resetGrant(input, { vault, publisher });
    const versions = vault.versionCount(NAME);
    const second = await resetGrant({ ...input, mode: 'scheduled' }, { vault, publisher });

    // Assess
    expect([first, second]).toEqual([{ outcome: 'reset' }, { outcome: 'already-reset' }]);
    expect(vault.read(NAME)).toEqual({ status: 'inactive' });
    expect(vault.versionCount(NAME)).toBe(versions);
  });

  it('resets a restamped grant as the grant it restamps, and a second run is a no-op', async () => {
    // Prepare: the mint's write was slow, so the secret holds the grant's restamped version.
    const g = grant('req-00000001', 'a');
    await vault.storeGrant(NAME, g);
    await vault.replaceGrantIfCurrent(NAME, g.GrantId, { ...g, GrantedAt: '2026-11-28T10:00:03Z' }, restampedVersionId(g.GrantId));
    const input = { mode: 'expired', requestId: g.RequestId, accountId: ACCOUNT, grantId: g.GrantId } as const;

    // Act
    const first = await resetGrant(input, { vault, publisher });
    const second = await resetGrant({ ...input, mode: 'scheduled' }, { vault, publisher });

    // Assess
    expect([first, second]).toEqual([{ outcome: 'reset' }, { outcome: 'already-reset' }]);
    expect(vault.read(NAME)).toEqual({ status: 'inactive' });
    expect(publisher.events).toHaveLength(0);
  });

  it('leaves a newer grant alone', async () => {
    // Prepare
    const older = grant('req-00000001', 'a');
    const newer = grant('req-00000002', 'b');
    await vault.storeGrant(NAME, older);
    await vault.storeGrant(NAME, newer);

    // Act
    const result = await resetGrant({ mode: 'expired', requestId: older.RequestId, accountId: ACCOUNT, grantId: older.GrantId }, { vault, publisher });

    // Assess
    expect(result).toEqual({ outcome: 'not-current' });
    expect(vault.read(NAME)).toEqual(newer);
  });

  it('after a failed mint, resets whatever grant of that request is current, and nothing else', async () => {
    // Prepare
    const other = grant('req-00000002', 'b');
    await vault.storeGrant(NAME, other);

    // Act / Assess: another request's grant is current.
    await expect(resetGrant({ mode: 'mint-failed', requestId: 'req-00000001', accountId: ACCOUNT }, { vault, publisher })).resolves.toEqual({
      outcome: 'not-current',
    });
    expect(vault.read(NAME)).toEqual(other);

    // Act / Assess: a grant of this request is current.
    await vault.storeGrant(NAME, grant('req-00000001', 'c'));
    await expect(resetGrant({ mode: 'mint-failed', requestId: 'req-00000001', accountId: ACCOUNT }, { vault, publisher })).resolves.toEqual({
      outcome: 'reset',
    });
    expect(vault.read(NAME)).toEqual({ status: 'inactive' });
  });

  it('loses the race cleanly when a newer grant lands between the check and the swap', async () => {
    // Prepare
    const older = grant('req-00000001', 'a');
    await vault.storeGrant(NAME, older);
    const newer = grant('req-00000002', 'b');
    const racingVault = {
      currentVersion: (id: string) => vault.currentVersion(id),
      storeGrant: (id: string, s: ActiveSecret) => vault.storeGrant(id, s),
      replaceGrantIfCurrent: (id: string, expected: string, s: ActiveSecret, versionId: string) => vault.replaceGrantIfCurrent(id, expected, s, versionId),
      resetIfCurrent: async (id: string, expected: string, token: string) => {
        await vault.storeGrant(NAME, newer);
        return vault.resetIfCurrent(id, expected, token);
      },
    };

    // Act
    const result = await resetGrant({ mode: 'expired', requestId: older.RequestId, accountId: ACCOUNT, grantId: older.GrantId }, { vault: racingVault, publisher });

    // Assess
    expect(result).toEqual({ outcome: 'not-current' });
    expect(vault.read(NAME)).toEqual(newer);
  });

  it('refuses malformed input at the edge, before the secret is touched', () => {
    // Prepare: the reset function's wrapper (taskHandler) parses with this schema before resetGrant runs.
    const malformed = { mode: 'expired', requestId: 'req-00000001', accountId: 'prod' };

    // Act / Assess
    expect(() => parseTaskInput('reset', resetTaskInputSchema, malformed)).toThrow(/reset received malformed input/);
    expect(vault.versionCount(NAME)).toBe(1);
    expect(vault.read(NAME)).toEqual({ status: 'inactive' });
  });

  it("reads the safety-net schedule's payload as a scheduled reset", () => {
    // Prepare
    const payload = { source: 'jit.reset-schedule', requestId: 'req-00000001', accountId: ACCOUNT, grantId: `req-00000001-${'a'.repeat(24)}` };

    // Act
    const input = parseTaskInput('reset', resetTaskInputSchema, payload);

    // Assess
    expect(input).toEqual({ mode: 'scheduled', requestId: 'req-00000001', accountId: ACCOUNT, grantId: payload.grantId });
  });

  it('publishes Elevation Ended when the safety-net schedule is the one that reset the grant', async () => {
    // Prepare
    const g = grant('req-00000001', 'a');
    await vault.storeGrant(NAME, g);

    // Act
    const result = await resetGrant({ mode: 'scheduled', requestId: g.RequestId, accountId: ACCOUNT, grantId: g.GrantId }, { vault, publisher });

    // Assess
    expect(result).toEqual({ outcome: 'reset' });
    expect(publisher.events).toEqual([{ outcome: 'Ended', detail: { requestId: g.RequestId, account: ACCOUNT, endedBy: 'safety-net schedule' } }]);
  });

  it('publishes nothing when the workflow resets at expiry, or the schedule finds the grant already reset', async () => {
    // Prepare
    const g = grant('req-00000001', 'a');
    await vault.storeGrant(NAME, g);
    const input = { requestId: g.RequestId, accountId: ACCOUNT, grantId: g.GrantId };

    // Act
    const atExpiry = await resetGrant({ mode: 'expired', ...input }, { vault, publisher });
    const bySchedule = await resetGrant({ mode: 'scheduled', ...input }, { vault, publisher });

    // Assess
    expect([atExpiry, bySchedule]).toEqual([{ outcome: 'reset' }, { outcome: 'already-reset' }]);
    expect(publisher.events).toEqual([]);
  });
});
