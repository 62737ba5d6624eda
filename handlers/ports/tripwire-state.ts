/**
 * What a tripwire remembers about one grant between events: the refusals it has seen, for the
 * "N AccessDenied in M seconds" rule (docs/security-model.md#tripwires).
 */
export interface TripwireState {
  /**
   * Remembers one refusal of a grant (`entry` is `eventTime|eventId`, so a redelivered event is the same
   * entry and counts once) and returns every refusal remembered for that grant, this one included.
   * `forgetAfter`: when the memory may go (the grant's credentials have long expired by then).
   */
  recordDenied(requestId: string, entry: string, forgetAfter: Date): Promise<readonly string[]>;
}
