import { createHash } from 'node:crypto';

/**
 * Version id the reset of a given secret version writes. Deterministic, so a second reset of the same
 * grant (the workflow and the safety-net schedule both fire) is the same idempotent write, and a reset
 * can recognise that it already happened.
 */
export function resetVersionIdFor(versionId: string): string {
  return `reset-${createHash('sha256').update(versionId).digest('hex').slice(0, 40)}`;
}
