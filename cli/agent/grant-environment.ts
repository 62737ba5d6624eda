import type { ActiveSecret } from '../../handlers/core/secret-value';

/**
 * The environment that makes AWS tools use a grant: the keys and expiry set, and the profile variables
 * removed (a profile would otherwise win over the keys in some tools).
 */
export function grantEnvironment(secret: ActiveSecret): { set: Record<string, string>; unset: string[] } {
  return {
    set: {
      AWS_ACCESS_KEY_ID: secret.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: secret.SecretAccessKey,
      AWS_SESSION_TOKEN: secret.SessionToken,
      AWS_CREDENTIAL_EXPIRATION: secret.Expiration,
    },
    unset: ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE'],
  };
}
