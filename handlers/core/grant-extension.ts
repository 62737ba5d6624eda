import { z } from 'zod';
import { AGENT_SOURCE_PATTERN } from './agents';
import { ELEVATION_EXTENSION_REQUESTED } from './broker-event';
import { type BrokerSettings, agentsOf } from './broker-settings';
import { REQUEST_ID_PATTERN } from './elevation-request';
import { MINT_HANDOVER_SECONDS, STS_MAX_CHAINED_DURATION_SECONDS, STS_MIN_DURATION_SECONDS, isoSeconds } from './grant-window';
import { checkGrantTerms } from './grant-terms';
import { RESET_SCHEDULE_PREFIX } from './resource-names';

/**
 * Extending a live grant (docs/agent.md#extending-a-live-grant, docs/architecture.md#extending-a-live-grant).
 *
 * The agent asks for `minutes` more on the grant of a live request; the extension is a request of its own
 * (its own id, approval, links and record) that names the live one. Approved, it mints a new credential set
 * under the live request's identity (same SourceIdentity and session name, so `jit end`, `jit revoke` and
 * the audit cover it) with its own time fence, and writes it into the same secret: the old set keeps
 * working until its own fence, so nothing in flight breaks, and `credential_process` hands out the new one
 * at its next refresh.
 */

/**
 * The longest a grant and its extensions may last together, from its first set's handover to the last
 * set's expiry: two chained STS sessions. The workflow's execution timeout is sized for it
 * (workflows/elevation-workflow.ts).
 */
export const MAX_TOTAL_GRANT_MINUTES = 120;

/**
 * An extension is minted only while the live set has at least this long to go: the mint (30 s timeout,
 * plus its retries' first backoff) must write the new set before the live execution's reset at the old
 * expiry, or the new set would land in a secret whose grant was already ended.
 */
export const EXTENSION_MIN_REMAINING_SECONDS = 120;

/** `detail` of an `Elevation Extension Requested` event, as the agent sends it. */
export const extensionRequestDetailSchema = z
  .object({
    /** The extension's own id; like a request's, made by `jit` unless given. */
    requestId: z.string().regex(REQUEST_ID_PATTERN, 'must be 8-36 letters, digits or dashes, starting with a letter or digit').optional(),
    /** The live request whose grant is extended. */
    extends: z.string().regex(REQUEST_ID_PATTERN, 'must be the id of a live request'),
    minutes: z.number().int('must be a whole number'),
    reason: z.string(),
    requester: z.string().min(1).max(128).optional(),
  })
  .strict();

export type ExtensionRequestDetail = z.infer<typeof extensionRequestDetailSchema>;

/** The EventBridge envelope of an extension request, as the rule hands it to the state machine. */
export const extensionEventSchema = z.object({
  id: z.string().min(1).max(128),
  source: z.string().regex(AGENT_SOURCE_PATTERN),
  'detail-type': z.literal(ELEVATION_EXTENSION_REQUESTED),
  account: z.string().optional(),
  time: z.string().optional(),
  detail: z.unknown(),
});

/** True when a state machine input is an extension request (the rule starts one workflow for both kinds). */
export function isExtensionEvent(event: unknown): boolean {
  return (event as { 'detail-type'?: unknown } | null)?.['detail-type'] === ELEVATION_EXTENSION_REQUESTED;
}

/** What an extension request carries about the grant it extends, fixed when it is registered. */
export const grantExtensionSchema = z.object({
  /** The live request. */
  requestId: z.string().regex(REQUEST_ID_PATTERN),
  /** The credential set the extension replaces: it must still be the secret's current version at mint. */
  grantId: z.string().min(32).max(64),
  /** When the grant's first set was handed over; the total is counted from it. */
  firstGrantedAt: z.iso.datetime(),
  /** The live set's expiry; the extension adds its minutes to it. */
  expiresAt: z.iso.datetime(),
});

export type GrantExtension = z.infer<typeof grantExtensionSchema>;

/** The facts of a live request an extension is checked against (from its record). */
export interface LiveGrantFacts {
  readonly requestId: string;
  readonly status: string;
  readonly agentId?: string;
  readonly accountId: string;
  readonly revoked: boolean;
  readonly grant?: { readonly grantId: string; readonly role: string; readonly grantedAt: string; readonly expiresAt: string; readonly firstGrantedAt?: string };
}

/** One rule an extension must pass; `problem` is the sentence the agent reads when it does not. */
interface ExtensionRule {
  readonly holds: boolean;
  readonly problem: string;
}

/** The new set's expiry: the live set's expiry plus the extension's minutes. */
export function extendedExpiry(expiresAt: string, minutes: number): Date {
  return new Date(Date.parse(expiresAt) + minutes * 60_000);
}

/**
 * The bounds an extension of `minutes` on `extension` must stay within at `now`: the live set has at least
 * `EXTENSION_MIN_REMAINING_SECONDS` left, the grant and its extensions last at most
 * `MAX_TOTAL_GRANT_MINUTES` together, and the new set's STS session (from `now` to its fence) fits the
 * one-hour cap of a chained session.
 *
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (DurationSeconds: 900 s up to
 *   the role's maximum; one hour for role chaining)
 */
function boundRules(extension: Pick<GrantExtension, 'expiresAt' | 'firstGrantedAt'>, minutes: number, now: Date): ExtensionRule[] {
  const remainingSeconds = (Date.parse(extension.expiresAt) - now.getTime()) / 1000;
  const newExpiry = extendedExpiry(extension.expiresAt, minutes);
  const totalMinutes = (newExpiry.getTime() - Date.parse(extension.firstGrantedAt)) / 60_000;
  const sessionSeconds = (newExpiry.getTime() - now.getTime()) / 1000 + MINT_HANDOVER_SECONDS;
  return [
    {
      holds: remainingSeconds >= EXTENSION_MIN_REMAINING_SECONDS,
      problem: `the grant ends at ${extension.expiresAt}, less than ${EXTENSION_MIN_REMAINING_SECONDS / 60} minutes from now: too late to extend; ask for a new grant when it has ended`,
    },
    {
      holds: totalMinutes <= MAX_TOTAL_GRANT_MINUTES,
      problem: `minutes: the grant and its extensions may last at most ${MAX_TOTAL_GRANT_MINUTES} minutes together (from ${extension.firstGrantedAt}); ${minutes} more would make ${Math.ceil(totalMinutes)}`,
    },
    {
      holds: sessionSeconds <= STS_MAX_CHAINED_DURATION_SECONDS,
      problem: `minutes: the new credentials would have to last ${Math.ceil(sessionSeconds / 60)} minutes from now, more than the ${STS_MAX_CHAINED_DURATION_SECONDS / 60} of one STS session; ask for at most ${Math.max(0, Math.floor((STS_MAX_CHAINED_DURATION_SECONDS - MINT_HANDOVER_SECONDS - Math.max(0, remainingSeconds)) / 60))}`,
    },
  ];
}

/**
 * Checks an extension request against the live request it names: only a live grant (GRANTED, not revoked
 * or ended, not past its expiry) of the same agent can be extended, by whole minutes within the role's
 * maximum, and within the bounds of `boundRules`. Returns every problem at once.
 */
export function checkExtension(
  live: LiveGrantFacts | undefined,
  ask: { readonly extends: string; readonly agentId: string; readonly minutes: number },
  settings: BrokerSettings,
  now: Date,
): { ok: true; extension: GrantExtension } | { ok: false; problems: string[] } {
  if (!live) return { ok: false, problems: [`extends: no request ${ask.extends}`] };
  // Records written before several agents carry no agent: they are the first agent's.
  const owner = live.agentId ?? agentsOf(settings)[0]?.id;
  if (owner !== ask.agentId) return { ok: false, problems: [`extends: request ${ask.extends} is another agent's grant`] };
  const grant = live.grant;
  if (!grant || live.status !== 'GRANTED' || live.revoked || Date.parse(grant.expiresAt) <= now.getTime()) {
    return { ok: false, problems: [`extends: the grant of ${ask.extends} is not live (status ${live.status}${grant ? `, expiry ${grant.expiresAt}` : ''}); only a live grant can be extended`] };
  }
  const problems: string[] = [];
  const terms = checkGrantTerms(settings, { account: live.accountId, role: grant.role, minutes: ask.minutes });
  if (!terms.ok) problems.push(...terms.problems);
  const extension: GrantExtension = {
    requestId: live.requestId,
    grantId: grant.grantId,
    firstGrantedAt: grant.firstGrantedAt ?? grant.grantedAt,
    expiresAt: grant.expiresAt,
  };
  if (terms.ok) problems.push(...boundRules(extension, ask.minutes, now).filter((r) => !r.holds).map((r) => r.problem));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, extension };
}

/** The new credential set's window, fixed at its AssumeRole. */
export interface ExtensionWindow {
  /** The new set's expiry: the secret's `Expiration` and the reset's moment. */
  readonly expiresAt: Date;
  /** Its session policy's fence: the expiry plus the mint's handover allowance. */
  readonly fence: Date;
  /** AssumeRole `DurationSeconds`: from now past the fence, at least STS's 900 s. */
  readonly durationSeconds: number;
}

/**
 * The new set's window at its AssumeRole, after the bounds are checked again with the mint's clock (the
 * approval took time).
 *
 * @throws RangeError naming every bound that no longer holds (the mint turns it into a refusal).
 */
export function extensionWindow(extension: GrantExtension, minutes: number, assumedAt: Date): ExtensionWindow {
  const broken = boundRules(extension, minutes, assumedAt).filter((r) => !r.holds);
  if (broken.length > 0) throw new RangeError(broken.map((r) => r.problem).join('; '));
  const expiresAt = extendedExpiry(extension.expiresAt, minutes);
  const fence = new Date(expiresAt.getTime() + MINT_HANDOVER_SECONDS * 1000);
  const needed = Math.ceil((fence.getTime() - assumedAt.getTime()) / 1000);
  return { expiresAt, fence, durationSeconds: Math.min(Math.max(needed, STS_MIN_DURATION_SECONDS), STS_MAX_CHAINED_DURATION_SECONDS) };
}

/**
 * The one-time safety-net reset schedule of an extension's set: its own name (the live set's schedule
 * still waits for the old fence), at most 64 characters (`jit-reset-` and a 36-character id).
 */
export function extensionResetScheduleName(extensionId: string): string {
  return `${RESET_SCHEDULE_PREFIX}${extensionId}`;
}

/** Minutes left on a grant at `now`, rounded down; what the approver is shown next to the extension. */
export function remainingMinutes(expiresAt: string, now: Date): number {
  return Math.max(0, Math.floor((Date.parse(expiresAt) - now.getTime()) / 60_000));
}

/** The extension as one line for the approval email, the page and `jit pending`. */
export function extensionLabel(extension: Pick<GrantExtension, 'requestId' | 'expiresAt'>, minutes: number, now: Date): string {
  return `Extension of request ${extension.requestId}: ${minutes} more minutes; ${remainingMinutes(extension.expiresAt, now)} minutes remaining (until ${isoSeconds(new Date(extension.expiresAt))})`;
}
