import type { TripwireState } from '../../../handlers/ports/tripwire-state';

/**
 * The tripwire state's contract in memory: a list of refusals per grant in arrival order; the same entry
 * counts once. `forgetAfter` is kept from the first refusal, as the adapter's `if_not_exists` TTL does.
 */
export class InMemoryTripwireState implements TripwireState {
  readonly denied = new Map<string, string[]>();
  readonly forgetAfter = new Map<string, Date>();

  async recordDenied(requestId: string, entry: string, forgetAfter: Date): Promise<readonly string[]> {
    const list = this.denied.get(requestId) ?? [];
    if (!list.includes(entry)) list.push(entry);
    this.denied.set(requestId, list);
    if (!this.forgetAfter.has(requestId)) this.forgetAfter.set(requestId, forgetAfter);
    return [...list];
  }
}
