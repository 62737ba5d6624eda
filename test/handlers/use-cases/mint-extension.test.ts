import type { ApprovalDecision } from '../../../handlers/core/approval-decision';
import type { ElevationRequest } from '../../../handlers/core/elevation-request';
import { ExtensionRefusedError } from '../../../handlers/core/errors';
import type { ActiveSecret } from '../../../handlers/core/secret-value';
import { followExtension, mintExtension } from '../../../handlers/use-cases/mint-extension';
import type { MintGrantDeps } from '../../../handlers/use-cases/mint-grant';
import { InMemoryGrantLeases } from '../../fakes/ports/in-memory-grant-leases';
import { InMemoryPolicyProver } from '../../fakes/ports/in-memory-policy-prover';
import { InMemoryRequestStore } from '../../fakes/ports/in-memory-request-store';
import { InMemoryVault } from '../../fakes/ports/in-memory-vault';
import { ManualClock } from '../../helpers/approval-fixtures';
import { elevationRequest } from '../../helpers/fixtures';
import { exampleSettings } from '../../helpers/synth';

const LIVE = 'req-live-00000001';
const LIVE_SET = `${LIVE}-${'a'.repeat(24)}`;
const SECRET = 'agent/elevated/222222222222';
const live = elevationRequest({ requestId: LIVE, role: 'Ops', minutes: 15, agentId: 'default', secretName: SECRET });
const extension: ElevationRequest = elevationRequest({
  requestId: 'ext-unit-000001',
  role: 'Ops',
  minutes: 10,
  agentId: 'default',
  secretName: SECRET,
  extension: { requestId: LIVE, grantId: LIVE_SET, firstGrantedAt: '2026-11-28T10:00:00Z', expiresAt: '2026-11-28T10:15:00Z' },
});
const decision: ApprovalDecision = { role: 'Ops', minutes: 10, approver: 'lead@example.com', decidedAt: '2026-11-28T10:05:00.000Z' };
const liveSecret: ActiveSecret = {
  AccessKeyId: 'ASIALIVE000000000001', SecretAccessKey: 's', SessionToken: 't', Expiration: '2026-11-28T10:15:00Z', GrantedFor: 'r',
  GrantedAt: '2026-11-28T10:00:00Z', RoleName: 'AgentElevated-Ops', GrantedMinutes: 15, RequestId: LIVE, GrantId: LIVE_SET,
};

function world() {
  const clock = new ManualClock(new Date('2026-11-28T10:06:00Z'));
  const vault = new InMemoryVault();
  vault.createSecret(SECRET);
  const store = new InMemoryRequestStore();
  store.seed({ ...live, status: 'GRANTED', updatedAt: clock.now().toISOString() });
  let keys = 0;
  const minted: string[] = [];
  const sessionPolicies: string[] = [];
  const deps: MintGrantDeps = {
    issuer: { assumeElevatedRole: async (call) => (minted.push(`ASIAEXT00000000000${++keys}`), sessionPolicies.push(call.sessionPolicy), { accessKeyId: `ASIAEXT00000000000${keys}`, secretAccessKey: 'x', sessionToken: 'y', expiration: new Date('2026-11-28T10:46:00Z') }) },
    vault,
    scheduler: { scheduleReset: async () => undefined },
    store,
    leases: new InMemoryGrantLeases(),
    settings: exampleSettings(),
    clock,
    random: { bytes: (n: number) => new Uint8Array(n).fill(keys + 1) },
    partition: 'aws',
  };
  return { deps, vault, store, minted, clock, sessionPolicies };
}

describe('mintExtension', () => {
  it('mints one set per extension: a retry after the set reached the secret returns it, and the live execution follows it', async () => {
    // Prepare
    const { deps, vault, store, minted } = world();
    await vault.storeGrant(SECRET, liveSecret);

    // Act
    const first = await mintExtension({ mode: 'extend', request: extension, decision }, deps);
    const retried = await mintExtension({ mode: 'extend', request: extension, decision }, deps);
    const followed = await followExtension({ mode: 'follow', request: live, grant: { ...first, grantId: LIVE_SET, accessKeyId: liveSecret.AccessKeyId, expiresAt: '2026-11-28T10:15:00Z' } }, deps);

    // Assess
    expect(minted).toHaveLength(1);
    expect(first).toMatchObject({ requestId: LIVE, expiresAt: '2026-11-28T10:25:00Z', extends: LIVE_SET, sourceIdentity: `jit-${LIVE}` });
    expect(retried).toMatchObject({ grantId: first.grantId, accessKeyId: first.accessKeyId, expiresAt: first.expiresAt });
    expect(followed).toMatchObject({ extended: true, grant: { grantId: first.grantId, expiresAt: first.expiresAt } });
    expect(await store.issuedCredentialsOf(LIVE)).toEqual([expect.objectContaining({ accessKeyId: first.accessKeyId, extends: LIVE_SET, extensionId: 'ext-unit-000001', expiresAt: '2026-11-28T10:26:00Z' })]);
  });

  it("keeps the live grant's plan and region fence: an extension never widens a scoped grant", async () => {
    // Prepare: the live grant was scoped to one planned action; its extension carries the same plan.
    const { deps, vault, sessionPolicies } = world();
    await vault.storeGrant(SECRET, liveSecret);

    // Act
    await mintExtension({ mode: 'extend', request: { ...extension, plannedActions: ['ecs:UpdateService'] }, decision }, deps);

    // Assess
    const policy = JSON.parse(sessionPolicies[0]);
    expect(policy.Statement[0]).toMatchObject({ Effect: 'Allow', Action: 'ecs:UpdateService', Resource: '*' });
    expect(policy.Statement).toContainEqual(expect.objectContaining({ Sid: 'JitRegionFence', Effect: 'Deny', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] } } }));
  });

  it("proves the new set's session policy before minting: a FAIL refuses it and the live grant stays", async () => {
    // Prepare: IAM Access Analyzer finds that the session policy grants a deny-listed action.
    const { deps, vault, minted, store } = world();
    await vault.storeGrant(SECRET, liveSecret);
    const prover = new InMemoryPolicyProver();
    prover.accessNotGranted = 'FAIL';

    // Act
    const error = await mintExtension({ mode: 'extend', request: extension, decision }, { ...deps, prover }).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'PolicyProofFailedError' });
    expect(prover.calls.map((c) => c.method)).toContain('checkAccessNotGranted');
    expect(minted).toHaveLength(0);
    expect(await store.issuedCredentialsOf(LIVE)).toEqual([]);
    expect((await vault.currentVersion(SECRET)).versionId).toBe(LIVE_SET);
  });

  it('refuses, minting nothing, when the secret no longer holds the set the extension was asked for', async () => {
    // Prepare: the live grant was reset (ended or revoked) before the extension was approved.
    const { deps, minted } = world();

    // Act
    const minting = mintExtension({ mode: 'extend', request: extension, decision }, deps);

    // Assess
    await expect(minting).rejects.toBeInstanceOf(ExtensionRefusedError);
    await expect(minting).rejects.toThrow('no longer the one this extension was asked for');
    expect(minted).toHaveLength(0);
  });
});
