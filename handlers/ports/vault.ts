import type { ActiveSecret } from '../core/secret-value';

/** Which secret version is current, identified without reading any credential. */
export interface VaultVersion {
  readonly versionId: string;
}

/**
 * The per-account secret the agent reads its credentials from. Writes are version-aware: a grant is
 * written as the version whose id is its grant id, and a reset replaces the current value only if the
 * current version is still the one it expects (a compare-and-swap), so a reset never clobbers a newer grant.
 */
export interface Vault {
  /** Makes the grant the current secret value, as version `secret.GrantId`. Newer grants always win. */
  storeGrant(accountId: string, secret: ActiveSecret): Promise<void>;
  /** The current version of the account's secret. */
  currentVersion(accountId: string): Promise<VaultVersion>;
  /**
   * Writes the placeholder if, and only if, `expectedVersionId` is still current. `resetToken` makes the
   * write idempotent: the same token twice is one reset.
   */
  resetIfCurrent(accountId: string, expectedVersionId: string, resetToken: string): Promise<'reset' | 'conflict'>;
}
