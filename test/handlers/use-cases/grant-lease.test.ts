import type { GrantLease } from '../../../handlers/core/grant-lease';
import type { GrantLeases } from '../../../handlers/ports/grant-leases';
import { liveGrantRefusal, releaseGrantLease, takeGrantLease } from '../../../handlers/use-cases/grant-lease';
import { InMemoryGrantLeases } from '../../fakes/ports/in-memory-grant-leases';
import { ManualClock } from '../../helpers/approval-fixtures';
import { exampleSettings } from '../../helpers/synth';

const ACCOUNT = '222222222222';
const FIRST = { requestId: 'req-first-0001', accountId: ACCOUNT, agentId: 'default' };
const SECOND = { requestId: 'req-second-0002', accountId: ACCOUNT, agentId: 'default' };
const EXPIRY = new Date('2026-11-28T10:15:00Z');
const LIVE: GrantLease = { agentId: 'default', accountId: ACCOUNT, holder: FIRST.requestId, expiresAt: '2026-11-28T10:15:00Z' };
const REFUSAL = `a grant is live for jit-agent in ${ACCOUNT} (request ${FIRST.requestId} until 2026-11-28T10:15:00Z); end it (jit end ${FIRST.requestId}) and ask again`;

describe('grant leases (use case)', () => {
  let leases: InMemoryGrantLeases;
  let clock: ManualClock;
  const deps = () => ({ leases, clock, settings: exampleSettings() });
  beforeEach(() => {
    leases = new InMemoryGrantLeases();
    clock = new ManualClock(new Date('2026-11-28T10:00:00Z'));
  });

  it("takes the agent's lease until the grant's approved expiry, to the second", async () => {
    // Act
    await takeGrantLease(FIRST, new Date('2026-11-28T10:15:00.750Z'), deps());

    // Assess
    expect(await leases.get('default', ACCOUNT)).toEqual(LIVE);
  });

  it('refuses a second request of the same agent while the first is live, with a reason that names a command that exists', async () => {
    // Prepare
    await takeGrantLease(FIRST, EXPIRY, deps());

    // Act
    const refused = await takeGrantLease(SECOND, new Date('2026-11-28T10:30:00Z'), deps()).catch((e: unknown) => e);

    // Assess
    expect(refused).toMatchObject({ name: 'GrantAlreadyLiveError', message: REFUSAL });
    expect(await leases.get('default', ACCOUNT)).toEqual(LIVE);
  });

  it('tells Register about a live grant, and about none once it has expired or was released', async () => {
    // Prepare
    await takeGrantLease(FIRST, EXPIRY, deps());

    // Act
    const whileLive = await liveGrantRefusal(SECOND, deps());
    const ownRequest = await liveGrantRefusal(FIRST, deps());
    clock.current = EXPIRY;
    const atExpiry = await liveGrantRefusal(SECOND, deps());

    // Assess
    expect(whileLive).toEqual({ reason: REFUSAL, lease: LIVE });
    expect(ownRequest).toBeUndefined();
    expect(atExpiry).toBeUndefined();
  });

  it("frees the lease when the holder's grant ends, so the agent may ask again before the expiry", async () => {
    // Prepare
    await takeGrantLease(FIRST, EXPIRY, deps());
    clock.advance(60_000);

    // Act
    await releaseGrantLease(FIRST, deps());

    // Assess
    await expect(takeGrantLease(SECOND, new Date('2026-11-28T10:30:00Z'), deps())).resolves.toBeUndefined();
    expect(leases.released).toEqual([{ agentId: 'default', accountId: ACCOUNT, holder: FIRST.requestId }]);
  });

  it('refuses a request that names an agent the config does not know, taking nothing', async () => {
    // Act
    const refused = await takeGrantLease({ ...FIRST, agentId: 'stranger' }, EXPIRY, deps()).catch((e: unknown) => e);

    // Assess
    expect(refused).toMatchObject({ name: 'GrantAlreadyLiveError', message: `request ${FIRST.requestId} names agent stranger, which is not configured` });
    expect(await leases.get('stranger', ACCOUNT)).toBeUndefined();
  });

  it('asks the agent to try again when the lease changes hands twice while it is being taken', async () => {
    // Prepare: every write is refused, and every read then finds no live holder.
    const churning: GrantLeases = {
      get: async () => undefined,
      take: async (lease, now) => ({ taken: false, holder: { ...lease, holder: 'unknown', expiresAt: now.toISOString() } }),
      release: async () => undefined,
    };

    // Act
    const refused = await takeGrantLease(FIRST, EXPIRY, { ...deps(), leases: churning }).catch((e: unknown) => e);

    // Assess
    expect(refused).toMatchObject({ name: 'GrantAlreadyLiveError', message: `the grant lease of jit-agent in ${ACCOUNT} is changing hands; ask again in a moment` });
  });
});
