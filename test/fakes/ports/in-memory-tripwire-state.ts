import type { TripwireState } from '../../../handlers/ports/tripwire-state';

/** The tripwire state's contract in memory: a set of refusals per grant; the same entry counts once. */
export class InMemoryTripwireState implements TripwireState {
  readonly denied = new Map<string, Set<string>>();

  async recordDenied(requestId: string, entry: string): Promise<readonly string[]> {
    const set = this.denied.get(requestId) ?? new Set<string>();
    set.add(entry);
    this.denied.set(requestId, set);
    return [...set];
  }
}
