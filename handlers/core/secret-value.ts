import { z } from 'zod';

/**
 * What the per-account secret `agent/elevated/<account>` holds (BRIEF §6). The seven seed fields stay
 * as they were so existing agent scripts keep working; `RequestId` and `GrantId` are added.
 */

export const PLACEHOLDER_SECRET = { status: 'inactive' } as const;
/** The exact string written when no grant is active; constant so repeated resets are idempotent. */
export const PLACEHOLDER_SECRET_STRING = JSON.stringify(PLACEHOLDER_SECRET);

export const activeSecretSchema = z.object({
  AccessKeyId: z.string().min(16),
  SecretAccessKey: z.string().min(1),
  SessionToken: z.string().min(1),
  /** The approved expiry (not the longer STS expiry): the moment the time fence closes. */
  Expiration: z.iso.datetime(),
  /** The approved duration, e.g. `15 minutes`. */
  GrantedFor: z.string(),
  GrantedAt: z.iso.datetime(),
  RoleName: z.string(),
  RequestId: z.string(),
  GrantId: z.string(),
});

export type ActiveSecret = z.infer<typeof activeSecretSchema>;

export type SecretState = { status: 'inactive' } | { status: 'active'; value: ActiveSecret };

/** Reads a secret string. Anything that is not a complete active grant counts as inactive. */
export function parseSecretValue(secretString: string | undefined): SecretState {
  if (!secretString) return { status: 'inactive' };
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    return { status: 'inactive' };
  }
  const active = activeSecretSchema.safeParse(json);
  return active.success ? { status: 'active', value: active.data } : { status: 'inactive' };
}

export function grantedForText(minutes: number): string {
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
