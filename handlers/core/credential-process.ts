import type { ActiveSecret, SecretState } from './secret-value';

/**
 * The JSON a `credential_process` prints (AWS SDKs and the AWS CLI read it): version 1, the keys, and
 * the expiry. `Expiration` is the grant's approved expiry, not the longer STS expiry, so SDKs refresh
 * (and find the grant gone) when the time fence closes instead of signing calls that are denied.
 */
export interface CredentialProcessOutput {
  readonly Version: 1;
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly SessionToken: string;
  readonly Expiration: string;
}

export function credentialProcessOutput(secret: ActiveSecret): CredentialProcessOutput {
  return {
    Version: 1,
    AccessKeyId: secret.AccessKeyId,
    SecretAccessKey: secret.SecretAccessKey,
    SessionToken: secret.SessionToken,
    Expiration: secret.Expiration,
  };
}

/** What an account's secret offers right now. */
export type GrantAvailability =
  | { readonly kind: 'active'; readonly secret: ActiveSecret }
  /** The secret holds the placeholder: no grant, or the last one was reset. */
  | { readonly kind: 'none' }
  /** The secret still holds a grant whose approved expiry has passed (the reset is on its way). */
  | { readonly kind: 'expired'; readonly requestId: string; readonly expiredAt: string }
  /** The active grant is for another role than the one asked for. */
  | { readonly kind: 'other-role'; readonly requestId: string; readonly roleName: string };

/**
 * Decides whether a secret's grant may be handed out now. A grant is usable strictly before its
 * approved expiry; `wantRoleName` (an IAM role name) narrows it to one role.
 */
export function grantAvailability(state: SecretState, now: Date, wantRoleName?: string): GrantAvailability {
  if (state.status !== 'active') return { kind: 'none' };
  const secret = state.value;
  if (Date.parse(secret.Expiration) <= now.getTime()) {
    return { kind: 'expired', requestId: secret.RequestId, expiredAt: secret.Expiration };
  }
  if (wantRoleName !== undefined && secret.RoleName !== wantRoleName) {
    return { kind: 'other-role', requestId: secret.RequestId, roleName: secret.RoleName };
  }
  return { kind: 'active', secret };
}

/** The grant's facts that are safe to show anywhere: no key material. */
export interface GrantFacts {
  readonly requestId: string;
  readonly roleName: string;
  readonly grantedAt: string;
  readonly expiresAt: string;
  /** The request's reason (the secret's `GrantedFor`). */
  readonly grantedFor: string;
  readonly grantedMinutes: number;
}

export function grantFacts(secret: ActiveSecret): GrantFacts {
  return {
    requestId: secret.RequestId,
    roleName: secret.RoleName,
    grantedAt: secret.GrantedAt,
    expiresAt: secret.Expiration,
    grantedFor: secret.GrantedFor,
    grantedMinutes: secret.GrantedMinutes,
  };
}
