import { type RequestLimits, pendingKey, rateKey } from '../../../handlers/core/request-quota';
import type { QuotaClaim, QuotaTake, RequestQuotas } from '../../../handlers/ports/request-quotas';

/**
 * The `RequestQuotas` contract in memory: the same full-unless-mine rule the DynamoDB write states as a
 * condition. `test/handlers/ports/request-quotas.test.ts` runs the same cases against this fake and the adapter.
 */
export class InMemoryRequestQuotas implements RequestQuotas {
  readonly holders = new Map<string, Set<string>>();

  async take(claim: QuotaClaim, limits: RequestLimits): Promise<QuotaTake> {
    if (!this.add(pendingKey(claim.agentId), claim.requestId, limits.pendingPerAgent)) return { taken: false, limit: 'pendingPerAgent' };
    if (this.add(rateKey(claim.agentId, claim.hour), claim.requestId, limits.requestsPerHourPerAgent)) return { taken: true };
    this.holders.get(pendingKey(claim.agentId))?.delete(claim.requestId);
    return { taken: false, limit: 'requestsPerHourPerAgent' };
  }

  async pendingHolders(agentId: string): Promise<string[]> {
    return [...(this.holders.get(pendingKey(agentId)) ?? [])].sort();
  }

  async releasePending(agentId: string, requestId: string): Promise<void> {
    this.holders.get(pendingKey(agentId))?.delete(requestId);
  }

  private add(key: string, requestId: string, max: number): boolean {
    const set = this.holders.get(key) ?? new Set<string>();
    if (!set.has(requestId) && set.size >= max) return false;
    this.holders.set(key, set.add(requestId));
    return true;
  }
}
