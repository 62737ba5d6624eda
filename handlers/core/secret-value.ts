import { z } from 'zod';

/**
 * What the per-account secret `agent/elevated/<account>` holds. The first seven fields are the seed's
 * (the blog's `grant-elevated.sh` writes them and its `agent-use-elevated.sh` reads them) and keep the
 * seed's meanings, so scripts written against the blog keep working; the broker only adds fields
 * (`GrantedMinutes`, `RequestId`, `GrantId`) and never redefines one. See docs/agent.md.
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
  /** Why the grant exists: the request's reason, e.g. `restart ECS service` (the seed's meaning). */
  GrantedFor: z.string(),
  GrantedAt: z.iso.datetime(),
  /** The IAM name of the elevated role, e.g. `AgentElevated-Ops`. */
  RoleName: z.string(),
  /** Added by the broker: the approved duration in whole minutes (`Expiration - GrantedAt`). */
  GrantedMinutes: z.number().int().positive(),
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
