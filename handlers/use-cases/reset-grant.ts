import type { ResetOutcome } from '../core/reset-outcome';
import { z } from 'zod';
import { grantIdOfVersion, isGrantOfRequest } from '../core/grant-window';
import { REQUEST_ID_PATTERN } from '../core/elevation-request';
import { AGENT_SECRET_NAME_PATTERN, AGENT_SOURCE_PATTERN, secretNameOf } from '../core/agents';
import { resetVersionIdFor } from '../core/reset-token';
import type { EventPublisher } from '../ports/event-publisher';
import type { Vault } from '../ports/vault';

/** Whose secret: the requesting agent's (the first agent's when absent, as before several agents). */
const agentSecret = {
  secretName: z.string().regex(AGENT_SECRET_NAME_PATTERN).optional(),
  agentSource: z.string().regex(AGENT_SOURCE_PATTERN).optional(),
};

/**
 * Why a reset runs. `expired` and `scheduled` reset one known grant; `mint-failed` cleans up whatever
 * grant of this request a failed mint may have left; `revoked` ends a grant early.
 */
export const resetGrantInputSchema = z.discriminatedUnion('mode', [
  z.object({
    mode: z.enum(['expired', 'scheduled', 'revoked']),
    requestId: z.string().regex(REQUEST_ID_PATTERN),
    accountId: z.string().regex(/^\d{12}$/),
    grantId: z.string().min(32).max(64),
    ...agentSecret,
  }),
  z.object({
    mode: z.literal('mint-failed'),
    requestId: z.string().regex(REQUEST_ID_PATTERN),
    accountId: z.string().regex(/^\d{12}$/),
    ...agentSecret,
  }),
]);

export type ResetGrantInput = z.infer<typeof resetGrantInputSchema>;

/** The `source` of what the one-time safety-net schedule sends (`handlers/ports/reset-scheduler.ts`). */
export const RESET_SCHEDULE_SOURCE = 'jit.reset-schedule' as const;

/**
 * The reset function's input from either caller: the workflow and the revoke function send a
 * `ResetGrantInput`; the safety-net schedule sends its payload with `source`, which is a `scheduled` reset.
 */
export const resetTaskInputSchema = z.preprocess((event) => {
  const e = event as { source?: unknown } | null;
  if (e?.source !== RESET_SCHEDULE_SOURCE) return event;
  const { source: _source, ...rest } = e as Record<string, unknown>;
  return { ...rest, mode: 'scheduled' };
}, resetGrantInputSchema);

/**
 * - `reset`: the secret held this grant and now holds the placeholder;
 * - `already-reset`: an earlier reset of this grant already did it;
 * - `not-current`: the secret holds something else (a newer grant, or nothing of ours); left alone.
 */
export type { ResetOutcome };

export interface ResetGrantDeps {
  readonly vault: Vault;
  /** Where `Elevation Ended` goes when the safety-net schedule is the one that ended the grant. */
  readonly publisher: EventPublisher;
}

/**
 * Resets an account's secret to the placeholder, only if it still holds this grant (invariant 6, docs/security-invariants.md). Safe to
 * run any number of times, from the workflow and from the safety-net schedule alike. When the schedule is
 * the one that actually resets a grant, the workflow did not get there, so this publishes `Elevation Ended`.
 */
export async function resetGrant(target: ResetGrantInput, deps: ResetGrantDeps): Promise<{ outcome: ResetOutcome }> {
  const result = await resetIfHeld(target, deps);
  if (target.mode === 'scheduled' && result.outcome === 'reset') {
    await deps.publisher.publish({
      outcome: 'Ended',
      detail: {
        requestId: target.requestId,
        account: target.accountId,
        endedBy: 'safety-net schedule',
        ...(target.agentSource ? { agentSource: target.agentSource } : {}),
      },
    });
  }
  return result;
}

async function resetIfHeld(target: ResetGrantInput, deps: ResetGrantDeps): Promise<{ outcome: ResetOutcome }> {
  const secretName = secretNameOf(target);
  const current = await deps.vault.currentVersion(secretName);
  const holdsThisGrant =
    target.mode === 'mint-failed'
      ? isGrantOfRequest(current.versionId, target.requestId)
      : grantIdOfVersion(current.versionId) === target.grantId;

  if (!holdsThisGrant) {
    const alreadyReset = target.mode !== 'mint-failed' && current.versionId === resetVersionIdFor(target.grantId);
    return { outcome: alreadyReset ? 'already-reset' : 'not-current' };
  }
  // One reset token per grant, whether the secret holds it as written or restamped (mint-grant.ts).
  const result = await deps.vault.resetIfCurrent(secretName, current.versionId, resetVersionIdFor(grantIdOfVersion(current.versionId)));
  return { outcome: result === 'reset' ? 'reset' : 'not-current' };
}
