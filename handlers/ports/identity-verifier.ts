/** What STS said about a proof: the caller's ARN, or why the proof proves nothing. */
export type VerifiedIdentity = { readonly ok: true; readonly arn: string } | { readonly ok: false; readonly reason: string };

/**
 * Verifies a presigned `sts:GetCallerIdentity` proof (handlers/core/identity-proof.ts) by sending it to
 * STS with the expected binding header. Faults of STS itself (unreachable, 5xx) are thrown, so a caller
 * can retry; a proof STS refuses is `ok: false`.
 */
export interface IdentityVerifier {
  verify(proof: string, binding: string): Promise<VerifiedIdentity>;
}
