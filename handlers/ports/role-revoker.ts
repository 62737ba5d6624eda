import type { RevocationPolicy } from '../core/revocation-policy';

/**
 * Writes and removes the early-revoke deny (an inline policy) on an elevated role in a target account,
 * through that account's `jit-revoker` role. Both are idempotent.
 */
export interface RoleRevoker {
  attachDeny(accountId: string, roleName: string, policy: RevocationPolicy): Promise<void>;
  /** Returns `absent` when there was nothing to remove. */
  removeDeny(accountId: string, roleName: string, policyName: string): Promise<'removed' | 'absent'>;
}
