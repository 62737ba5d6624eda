import type { GrantLease } from '../../../handlers/core/grant-lease';
import type { GrantLeases, LeaseTake } from '../../../handlers/ports/grant-leases';

/**
 * The `GrantLeases` contract in memory: the same free-expired-or-mine rule the DynamoDB write states as a
 * condition. `test/handlers/ports/grant-leases.test.ts` runs the same cases against this fake and the adapter.
 */
export class InMemoryGrantLeases implements GrantLeases {
  readonly leases = new Map<string, GrantLease>();
  readonly released: Array<{ agentId: string; accountId: string; holder: string }> = [];

  async get(agentId: string, accountId: string): Promise<GrantLease | undefined> {
    return this.leases.get(`${agentId}#${accountId}`);
  }

  async take(lease: GrantLease, now: Date): Promise<LeaseTake> {
    const held = this.leases.get(`${lease.agentId}#${lease.accountId}`);
    if (held && held.holder !== lease.holder && Date.parse(held.expiresAt) > now.getTime()) return { taken: false, holder: held };
    this.leases.set(`${lease.agentId}#${lease.accountId}`, lease);
    return { taken: true };
  }

  async release(agentId: string, accountId: string, holder: string, now: Date): Promise<void> {
    const held = this.leases.get(`${agentId}#${accountId}`);
    if (held?.holder !== holder) return;
    this.released.push({ agentId, accountId, holder });
    this.leases.set(`${agentId}#${accountId}`, { ...held, expiresAt: now.toISOString() });
  }
}
