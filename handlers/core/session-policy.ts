import { isoSeconds } from './grant-window';

/** STS rejects inline plus managed session policies above 2,048 plaintext characters (docs/aws-facts.md). */
export const MAX_SESSION_POLICY_CHARS = 2048;

/**
 * Inline session policy for a grant. A session policy only ever narrows the role's own permissions, so
 * `Allow *` here grants nothing new; its condition is the point: once `aws:CurrentTime` reaches the
 * approved expiry, nothing is allowed, even though the STS credentials stay valid for at least 15 min.
 */
export function timeFencedSessionPolicy(expiresAt: Date): string {
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'JitTimeFence',
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:CurrentTime': isoSeconds(expiresAt) } },
      },
    ],
  });
  if (policy.length > MAX_SESSION_POLICY_CHARS) {
    throw new RangeError(`Session policy is ${policy.length} characters; STS allows ${MAX_SESSION_POLICY_CHARS}.`);
  }
  return policy;
}
