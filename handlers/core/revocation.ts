import { z } from 'zod';

/**
 * An early end of a grant (BRIEF §3.8). The revoke command records it on the request (`revokedAt`,
 * `revokedBy`, `revokeReason`); the audit reads it from there, reports when and by whom the grant was
 * revoked, and flags every call made with the grant's credentials after that moment.
 */
export const revocationSchema = z.object({
  revokedAt: z.iso.datetime(),
  revokedBy: z.string().min(1).max(254),
  reason: z.string().max(500).optional(),
});

export type Revocation = z.infer<typeof revocationSchema>;
