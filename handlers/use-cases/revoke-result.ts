import type { RevokeOutcome } from './revoke-grant';

/**
 * What the revoke function answers `jit revoke`: the outcome and the facts an approver needs, never the
 * whole record (no link hashes, no task token) and never secret material.
 */
export interface RevokeResult {
  readonly kind: RevokeOutcome['kind'];
  readonly requestId: string;
  readonly status?: string;
  readonly accountId?: string;
  readonly accountName?: string;
  readonly role?: string;
  readonly expiresAt?: string;
  readonly revokedAt?: string;
  readonly revokedBy?: string;
  readonly revokeReason?: string;
  readonly reason?: string;
}

export function revokeResultOf(requestId: string, outcome: RevokeOutcome): RevokeResult {
  if (outcome.kind === 'not-found') return { kind: outcome.kind, requestId };
  if (outcome.kind === 'refused') return { kind: outcome.kind, requestId, reason: outcome.reason };
  const r = outcome.request;
  const facts = {
    requestId,
    status: r.status,
    accountId: r.accountId,
    accountName: r.accountName,
    role: r.grant?.role ?? r.role,
    ...(r.grant ? { expiresAt: r.grant.expiresAt } : {}),
  };
  if (outcome.kind === 'not-active') return { kind: outcome.kind, ...facts, reason: outcome.reason };
  return { kind: outcome.kind, ...facts, ...outcome.revocation };
}
