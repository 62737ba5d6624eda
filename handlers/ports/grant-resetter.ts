import type { ResetOutcome } from '../core/reset-outcome';

/** A revoked grant to reset, in the reset function's input shape (`mode: revoked`). */
export interface RevokedGrantReset {
  readonly mode: 'revoked';
  readonly requestId: string;
  readonly accountId: string;
  readonly grantId: string;
}

/**
 * Resets an account secret through the broker's reset function, which stays the only code that writes
 * the placeholder (the revoke function gets no write access to any secret).
 */
export interface GrantResetter {
  reset(input: RevokedGrantReset): Promise<ResetOutcome>;
}
