import { z } from 'zod';

/**
 * One set of STS credentials the broker minted for a request. Mint records it on the request before the
 * credentials go anywhere, so the audit can cover every key that ever existed for the request — also the
 * ones of a mint attempt that failed after AssumeRole, which an agent may have read from the secret in
 * between. No secret material: the access key id is not secret, CloudTrail shows it to anyone who can read
 * the trail.
 */
export const issuedCredentialsSchema = z.object({
  accessKeyId: z.string().min(16).max(128),
  /** The grant (and Secrets Manager version) these credentials were minted for. */
  grantId: z.string(),
  roleArn: z.string(),
  sourceIdentity: z.string(),
  issuedAt: z.iso.datetime(),
  /** The approved expiry: the session policy denies every call after it. */
  expiresAt: z.iso.datetime(),
  /** When STS stops accepting the credentials at all; denied calls can appear in CloudTrail until then. */
  stsExpiresAt: z.iso.datetime(),
  /**
   * For a set minted by an extension: the grant id of the set it was minted to replace, and the
   * extension's request id. The audit follows `extends` back from the last delivered set to tell every
   * delivered set from the undelivered ones of failed attempts.
   */
  extends: z.string().optional(),
  extensionId: z.string().optional(),
});

export type IssuedCredentialsRecord = z.infer<typeof issuedCredentialsSchema>;
