import type { LimitName, RequestLimits } from '../core/request-quota';

/** What taking a request's slots found: taken (or already this request's), or the limit that is full. */
export type QuotaTake = { readonly taken: true } | { readonly taken: false; readonly limit: LimitName };

/** A request's claim on its agent's slots: the pending slot and one of the hour it was asked in (`yyyy-mm-ddThh`). */
export interface QuotaClaim {
  readonly agentId: string;
  readonly requestId: string;
  readonly hour: string;
}

/**
 * The per-agent request limits (handlers/core/request-quota.ts). Every write is conditional, so concurrent
 * Registers of one agent cannot take more slots than the limit; each is keyed by request id, so the same
 * request taking its slots again takes nothing more.
 */
export interface RequestQuotas {
  /**
   * Takes the request's pending slot, then its slot of the hour. When the hour is full, the pending slot
   * is given back and nothing is held.
   */
  take(claim: QuotaClaim, limits: RequestLimits, now: Date): Promise<QuotaTake>;
  /** The ids of the requests holding the agent's pending slots (a strongly consistent read). */
  pendingHolders(agentId: string): Promise<string[]>;
  /** Gives the request's pending slot back (it was decided, or never waited); safe to repeat. */
  releasePending(agentId: string, requestId: string, now: Date): Promise<void>;
}
