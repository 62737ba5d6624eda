import { z } from 'zod';
import type { RequestRecord } from './request-record';

/**
 * An early end of a grant: `jit revoke` by an approver, or `jit end` by the agent. The revoke function
 * records it on the request with these very field names (`revokedAt`, `revokedBy`, `revokeReason`); the
 * audit reads it from there, reports when and by whom the grant was revoked, and flags every call made
 * with the grant's credentials after that moment. `revokedBy` is the ARN STS authenticated for the caller.
 */
export const revocationSchema = z.object({
  revokedAt: z.iso.datetime(),
  revokedBy: z.string().min(1).max(254),
  revokeReason: z.string().max(500).optional(),
});

export type Revocation = z.infer<typeof revocationSchema>;

/** The revocation recorded on a request, if any. */
export function revocationOf(record: Pick<RequestRecord, 'revokedAt' | 'revokedBy' | 'revokeReason'>): Revocation | undefined {
  if (!record.revokedAt) return undefined;
  return {
    revokedAt: record.revokedAt,
    revokedBy: record.revokedBy ?? 'unknown',
    ...(record.revokeReason ? { revokeReason: record.revokeReason } : {}),
  };
}
