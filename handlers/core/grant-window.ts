/**
 * Time-box arithmetic for a grant (invariant 3, docs/security-invariants.md).
 *
 * STS refuses `DurationSeconds` below 900 and caps a role-chained session at 3600, so the STS session
 * is `clamp(minutes * 60, 900, 3600)` long, and a session policy fences every call to the approved
 * expiry. A 5-minute grant therefore gets a 15-minute STS session that stops working after 5 minutes.
 */

export const STS_MIN_DURATION_SECONDS = 900;
export const STS_MAX_CHAINED_DURATION_SECONDS = 3600;

/**
 * No grant may outlast the STS session it is minted as, so no grant is longer than a chained session.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 */
export const MAX_GRANT_MINUTES = STS_MAX_CHAINED_DURATION_SECONDS / 60;

/**
 * How long the mint may take from its AssumeRole to the secret write and still give the agent the full
 * approved minutes from the write: the mint function's timeout (30 s, the default of infra/constructs/broker-function.ts)
 * plus rounding to whole seconds, with room to spare. It is also the most the credentials outlive the
 * secret's `Expiration` (docs/architecture.md, "Time box").
 */
export const MINT_HANDOVER_SECONDS = 60;

/**
 * The STS session: the approved minutes plus the handover, so the session outlives the fence, within
 * STS's 900 s minimum and the 3600 s cap of a chained session.
 */
export function stsDurationSeconds(minutes: number): number {
  if (!Number.isInteger(minutes) || minutes < 1) {
    throw new RangeError(`Grant minutes must be a positive whole number. Received: ${minutes}`);
  }
  return Math.min(Math.max(minutes * 60 + MINT_HANDOVER_SECONDS, STS_MIN_DURATION_SECONDS), STS_MAX_CHAINED_DURATION_SECONDS);
}

/** The approved expiry: the moment the grant's time fence closes. Whole seconds, so every clock agrees. */
export function approvedExpiry(grantedAt: Date, minutes: number): Date {
  const ms = grantedAt.getTime() + minutes * 60_000;
  return new Date(Math.floor(ms / 1000) * 1000);
}

/**
 * The session policy's time fence, fixed when the credentials are minted (before anyone can read them):
 * the approved minutes from the AssumeRole plus the handover allowance.
 */
export function fenceExpiry(assumedAt: Date, minutes: number): Date {
  return new Date(approvedExpiry(assumedAt, minutes).getTime() + MINT_HANDOVER_SECONDS * 1000);
}

/**
 * How far ahead of the secret write's start the grant's clock starts: the write must be answered within it
 * for the clock to start no earlier than the credentials can be read. Secrets Manager answers a
 * PutSecretValue in well under a second; a write that takes longer (a throttled retry, a busy sandbox) is
 * restamped after its answer (`mint-grant.ts`). Rounding up to the whole second adds up to one more second.
 */
export const HANDOVER_MARGIN_SECONDS = 1;

/**
 * The grant as the agent gets it: it starts once its secret can be read — the whole second after the write
 * starts plus `HANDOVER_MARGIN_SECONDS`, or, for a restamp, the whole second after the write was answered —
 * and lasts the approved minutes from then, but never past the moment the credentials stop working (the
 * fence, or the STS session's end).
 */
export function grantWindow(
  at: { readonly writeStartedAt: Date } | { readonly writeAnsweredAt: Date },
  minutes: number,
  limits: { readonly fence: Date; readonly stsExpiration: Date },
): { grantedAt: Date; expiresAt: Date } {
  const start = 'writeStartedAt' in at ? at.writeStartedAt.getTime() + HANDOVER_MARGIN_SECONDS * 1000 : at.writeAnsweredAt.getTime();
  const grantedAt = new Date(Math.ceil(start / 1000) * 1000);
  const stsEnd = Math.floor(limits.stsExpiration.getTime() / 1000) * 1000;
  return { grantedAt, expiresAt: new Date(Math.min(grantedAt.getTime() + minutes * 60_000, limits.fence.getTime(), stsEnd)) };
}

/**
 * True when the secret write was answered after the moment its grant's clock starts: the credentials may
 * have been readable before `GrantedAt`, so the grant is restamped.
 */
export function handoverOverran(grantedAt: Date, writeAnsweredAt: Date): boolean {
  return writeAnsweredAt.getTime() > grantedAt.getTime();
}

/** ISO 8601 in UTC without milliseconds, the format IAM conditions and the secret use. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RoleSessionName that names the request, visible in CloudTrail `userIdentity.arn`. */
export function roleSessionName(requestId: string): string {
  return `jit-${requestId}`;
}

/**
 * SourceIdentity set on every elevated session. It survives role chaining and appears in CloudTrail as
 * `userIdentity.sessionContext.sourceIdentity`; early revoke denies on it (invariant 8, docs/security-invariants.md). 2-64 characters.
 */
export function sourceIdentityFor(requestId: string): string {
  return `jit-${requestId}`;
}

/** Prefix every broker SourceIdentity starts with; elevated roles' trust policies require it. */
export const SOURCE_IDENTITY_PREFIX = 'jit-';

/** Shortest request id `REQUEST_ID_PATTERN` admits. */
const MIN_REQUEST_ID_LENGTH = 8;

/**
 * `StringLike` pattern every broker SourceIdentity matches: the prefix and at least as many characters as
 * the shortest request id. IAM has no regular expressions, so this is as close to `sourceIdentityFor`'s
 * format as a trust policy can say; the broker's mint role is the only principal trusted anyway.
 */
export const SOURCE_IDENTITY_TRUST_PATTERN = `${SOURCE_IDENTITY_PREFIX}${'?'.repeat(MIN_REQUEST_ID_LENGTH)}*`;

const GRANT_SUFFIX_HEX = 24;

/**
 * A grant id names one minted credential set. It doubles as the Secrets Manager version id
 * (ClientRequestToken, 32-64 characters), so the reset can tell which grant the secret holds without
 * reading any credential, and it starts with the request id so a failed mint can be cleaned up.
 */
export function newGrantId(requestId: string, randomHex: string): string {
  if (!/^[0-9a-f]+$/.test(randomHex) || randomHex.length < GRANT_SUFFIX_HEX) {
    throw new RangeError(`Grant id needs ${GRANT_SUFFIX_HEX} random hex characters.`);
  }
  return `${requestId}-${randomHex.slice(0, GRANT_SUFFIX_HEX)}`;
}

/** Suffix of a restamped grant's version id: the same credentials, their clock moved to the write's answer. */
const RESTAMPED_SUFFIX = '-r';

/**
 * The version id of a grant restamped after a slow write (at most 63 characters: request ids are at most
 * 36). It is not a grant id of its own: `grantIdOfVersion` maps it back, so the reset, a retried mint and an
 * extension treat it as the grant it restamps.
 */
export function restampedVersionId(grantId: string): string {
  return `${grantId}${RESTAMPED_SUFFIX}`;
}

const RESTAMPED_VERSION = new RegExp(`^(.+-[0-9a-f]{${GRANT_SUFFIX_HEX}})${RESTAMPED_SUFFIX}$`);

/** The grant a secret version holds: its own id, or for a restamped version the grant it restamps. */
export function grantIdOfVersion(versionId: string): string {
  return RESTAMPED_VERSION.exec(versionId)?.[1] ?? versionId;
}

/** True when a secret version holds a grant of this request, restamped or not (used to clean up after a failed mint). */
export function isGrantOfRequest(versionId: string, requestId: string): boolean {
  const grantId = grantIdOfVersion(versionId);
  const suffix = grantId.slice(requestId.length + 1);
  return grantId.startsWith(`${requestId}-`) && new RegExp(`^[0-9a-f]{${GRANT_SUFFIX_HEX}}$`).test(suffix);
}

/** Random bytes needed for a grant id suffix. */
export const GRANT_RANDOM_BYTES = GRANT_SUFFIX_HEX / 2;
