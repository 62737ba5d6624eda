import { z } from 'zod';

/**
 * What the workflow and the request store remember about a minted grant. No secret material: this object
 * travels through the state machine's execution history, which is readable by operators.
 */
export const grantSummarySchema = z.object({
  grantId: z.string(),
  requestId: z.string(),
  accountId: z.string(),
  role: z.string(),
  roleArn: z.string(),
  /** Not secret; the audit looks CloudTrail events up by it. */
  accessKeyId: z.string(),
  sourceIdentity: z.string(),
  grantedAt: z.iso.datetime(),
  /** The approved expiry, when the time fence closes. */
  expiresAt: z.iso.datetime(),
  /** When the STS credentials themselves stop working (at least 15 minutes after issue). */
  stsExpiresAt: z.iso.datetime(),
  resetScheduleName: z.string(),
  /** The secret the grant was handed over in (the requesting agent's own). */
  secretName: z.string().optional(),
  /**
   * For a set minted by an extension: when the grant's first set was handed over, from which the total
   * time of the grant and its extensions is counted (docs/agent.md#extending-a-live-grant).
   */
  firstGrantedAt: z.iso.datetime().optional(),
  /** For a set minted by an extension: the grant id of the set it replaced in the secret. */
  extends: z.string().optional(),
});

export type GrantSummary = z.infer<typeof grantSummarySchema>;
