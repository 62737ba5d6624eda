import type { ActiveSecret } from '../core/secret-value';

/** Which secret version is current, identified without reading any credential. */
export interface VaultVersion {
  readonly versionId: string;
}

/**
 * The per-account secrets agents read their credentials from, each named by its secret name (one per
 * agent and account: `agent/elevated/<account>` for the first agent, `agent/<id>/elevated/<account>`). Writes are version-aware: a grant is
 * written as the version whose id is its grant id, and a reset replaces the current value only if the
 * current version is still the one it expects (a compare-and-swap), so a reset never clobbers a newer grant.
 */
export interface Vault {
  /** Makes the grant the current secret value, as version `secret.GrantId`. Newer grants always win. */
  storeGrant(secretName: string, secret: ActiveSecret): Promise<void>;
  /** The current version of the secret. */
  currentVersion(secretName: string): Promise<VaultVersion>;
  /**
   * Writes the placeholder if, and only if, `expectedVersionId` is still current. `resetToken` makes the
   * write idempotent: the same token twice is one reset.
   */
  resetIfCurrent(secretName: string, expectedVersionId: string, resetToken: string): Promise<'reset' | 'conflict'>;
  /**
   * Writes `secret` as version `versionId` if, and only if, `expectedVersionId` is still current: the same
   * compare-and-swap as the reset, so a restamped grant never replaces a reset or a newer grant. The same
   * `versionId` twice is one write.
   */
  replaceGrantIfCurrent(secretName: string, expectedVersionId: string, secret: ActiveSecret, versionId: string): Promise<'replaced' | 'conflict'>;
}
