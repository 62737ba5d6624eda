import { REQUEST_ID_PATTERN } from './elevation-request';
import { SOURCE_IDENTITY_PREFIX } from './grant-window';

/**
 * Early revoke (invariant 8, docs/security-invariants.md). Issued STS credentials cannot be recalled, and resetting the secret does not
 * stop a copy the agent already holds, so revoking a grant attaches an inline deny to the elevated role
 * that matches the grant's SourceIdentity. SourceIdentity is set once at mint and survives role chaining,
 * so the deny reaches every copy of the session. IAM applies it within a few minutes, not instantly.
 *
 * One inline policy per revoked grant keeps revocations independent: attaching twice is idempotent, and
 * removing one (after the STS credentials have expired anyway) leaves the others in place.
 */

/** Inline role policies whose names start with this are revocation denies written by the broker. */
export const REVOCATION_POLICY_PREFIX = 'jit-revoked-';

export interface RevocationPolicy {
  /** Inline policy name on the elevated role, e.g. `jit-revoked-req-1234abcd`. */
  readonly name: string;
  /** The policy document as IAM's PutRolePolicy takes it. */
  readonly document: string;
}

function requestIdOf(sourceIdentity: string): string {
  const requestId = sourceIdentity.startsWith(SOURCE_IDENTITY_PREFIX) ? sourceIdentity.slice(SOURCE_IDENTITY_PREFIX.length) : '';
  if (!REQUEST_ID_PATTERN.test(requestId)) {
    throw new RangeError(
      `A revocation needs a broker SourceIdentity (${SOURCE_IDENTITY_PREFIX}<requestId>). Received: ${JSON.stringify(sourceIdentity)}`,
    );
  }
  return requestId;
}

/** The inline policy name that revokes the session with this SourceIdentity. */
export function revocationPolicyName(sourceIdentity: string): string {
  return `${REVOCATION_POLICY_PREFIX}${requestIdOf(sourceIdentity)}`;
}

/**
 * The deny that revokes every session carrying `sourceIdentity`, whatever the role allows and however
 * long its STS credentials remain valid.
 *
 * @example
 * const { name, document } = revocationPolicy(grant.sourceIdentity);
 * // iam.putRolePolicy({ RoleName: role.iamRoleName, PolicyName: name, PolicyDocument: document })
 */
export function revocationPolicy(sourceIdentity: string): RevocationPolicy {
  const name = revocationPolicyName(sourceIdentity);
  const document = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'JitRevokedSession',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceIdentity': sourceIdentity } },
      },
    ],
  });
  return { name, document };
}
