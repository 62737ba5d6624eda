import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The approval link carries a random single-use capability, never the task token (invariant 7, docs/security-invariants.md).
 * 32 random bytes (256 bits) encoded base64url; only its SHA-256 is stored, so a leaked table row
 * cannot be turned into a working link.
 */
export const CAPABILITY_BYTES = 32;
const CAPABILITY_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function encodeCapability(random: Uint8Array): string {
  if (random.length !== CAPABILITY_BYTES) {
    throw new RangeError(`A capability needs ${CAPABILITY_BYTES} random bytes. Received: ${random.length}`);
  }
  return Buffer.from(random).toString('base64url');
}

export function hashCapability(capability: string): string {
  return createHash('sha256').update(capability, 'utf8').digest('hex');
}

export function isWellFormedCapability(candidate: string): boolean {
  return CAPABILITY_PATTERN.test(candidate);
}

/** Compares a presented capability with the stored hash in constant time. */
export function capabilityMatches(presented: string, storedHash: string): boolean {
  if (!isWellFormedCapability(presented) || !/^[0-9a-f]{64}$/.test(storedHash)) return false;
  return timingSafeEqual(Buffer.from(hashCapability(presented), 'hex'), Buffer.from(storedHash, 'hex'));
}

/**
 * The one link an approver receives. The request id is in the path (so the page can say which request
 * it is) and the capability in the query string; pages set `Referrer-Policy: no-referrer`.
 */
export function reviewLink(baseUrl: string, requestId: string, capability: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/review/${encodeURIComponent(requestId)}?c=${capability}`;
}
