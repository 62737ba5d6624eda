/**
 * Remembers what was already seen until it could no longer be accepted anyway, so the same signed
 * request is acted on once.
 */
export interface ReplayGuard {
  /** True the first time `key` is seen; false for every repeat before `forgetAfter`. */
  firstSighting(key: string, forgetAfter: Date): Promise<boolean>;
}
