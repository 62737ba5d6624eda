import { z } from 'zod';
import { iamActionOf, isAccessDenied, matchesPlan, parsePlannedAction } from './audit-classification';
import { REQUEST_ID_PATTERN } from './elevation-request';
import { SOURCE_IDENTITY_PREFIX } from './grant-window';

/**
 * Tripwires (docs/security-model.md#tripwires): while a grant is live, the broker reads the target
 * account's CloudTrail API-call events as EventBridge delivers them, and a configured rule ends that one
 * grant at once. Pure: the event's shape, which grant a call belongs to, and whether it trips.
 */

/**
 * CloudTrail's API-call events on EventBridge: `detail-type` "AWS API Call via CloudTrail", `source`
 * `aws.<service>`, `detail` the CloudTrail record.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 */
export const CLOUDTRAIL_API_CALL = 'AWS API Call via CloudTrail';

/**
 * The fields of a CloudTrail record a tripwire reads. The session's source identity is
 * `userIdentity.sessionContext.sourceIdentity`.
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html
 */
export const cloudTrailApiCallEventSchema = z.object({
  id: z.string().min(1).max(128),
  'detail-type': z.literal(CLOUDTRAIL_API_CALL),
  source: z.string().regex(/^aws\.[a-z0-9-]+$/),
  account: z.string().regex(/^\d{12}$/),
  time: z.string().optional(),
  region: z.string().optional(),
  detail: z.object({
    eventID: z.string().min(1).max(128),
    eventTime: z.iso.datetime(),
    eventSource: z.string().min(1).max(128),
    eventName: z.string().min(1).max(128),
    awsRegion: z.string().max(32).optional(),
    recipientAccountId: z.string().regex(/^\d{12}$/).optional(),
    errorCode: z.string().max(256).optional(),
    readOnly: z.boolean().optional(),
    userIdentity: z.object({
      type: z.string().optional(),
      arn: z.string().max(2048).optional(),
      accessKeyId: z.string().max(128).optional(),
      sessionContext: z.object({ sourceIdentity: z.string().max(64).optional() }).loose().optional(),
    }).loose(),
  }).loose(),
}).loose();

export type CloudTrailApiCallEvent = z.infer<typeof cloudTrailApiCallEventSchema>;

/** True for anything shaped like a CloudTrail API-call event, before it is validated. */
export function isCloudTrailApiCall(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as Record<string, unknown>)['detail-type'] === CLOUDTRAIL_API_CALL;
}

/** The request a broker source identity (`jit-<requestId>`) names, or undefined for any other session. */
export function requestIdOfSourceIdentity(sourceIdentity: string | undefined): string | undefined {
  if (!sourceIdentity?.startsWith(SOURCE_IDENTITY_PREFIX)) return undefined;
  const requestId = sourceIdentity.slice(SOURCE_IDENTITY_PREFIX.length);
  return REQUEST_ID_PATTERN.test(requestId) ? requestId : undefined;
}

/** One call a grant's session made, as a tripwire sees it. */
export interface WatchedCall {
  readonly eventId: string;
  readonly eventTime: string;
  readonly accountId: string;
  readonly region?: string;
  readonly iamAction: string;
  readonly errorCode?: string;
  readonly sourceIdentity?: string;
  readonly accessKeyId?: string;
}

export function watchedCallOf(event: CloudTrailApiCallEvent): WatchedCall {
  const d = event.detail;
  return {
    eventId: d.eventID,
    eventTime: d.eventTime,
    // The account the event was recorded in: EventBridge's `account` (the bus policy only admits the configured accounts).
    accountId: event.account,
    ...(d.awsRegion ? { region: d.awsRegion } : {}),
    iamAction: iamActionOf(d.eventSource, d.eventName),
    ...(d.errorCode ? { errorCode: d.errorCode } : {}),
    ...(d.userIdentity.sessionContext?.sourceIdentity ? { sourceIdentity: d.userIdentity.sessionContext.sourceIdentity } : {}),
    ...(d.userIdentity.accessKeyId ? { accessKeyId: d.userIdentity.accessKeyId } : {}),
  };
}

export { DEFAULT_TRIPWIRE_DENY_LIST, type TripwireSettings, tripwireSettingsSchema } from './tripwire-settings';
import type { TripwireSettings } from './tripwire-settings';

export type TripwireRule = 'deny-listed-action' | 'access-denied-burst' | 'unplanned-call';

export interface Trip {
  readonly rule: TripwireRule;
  readonly call: WatchedCall;
  /** One sentence: which call, which rule. Goes into the revocation's reason, the alerts and the report. */
  readonly reason: string;
}

/** The rules that need no state: a deny-listed attempt, a call outside the plan. */
export function immediateTrip(call: WatchedCall, settings: TripwireSettings, plannedActions: readonly string[]): Trip | undefined {
  const denyList = settings.denyListedActions.map(parsePlannedAction);
  if (matchesPlan(call.iamAction, denyList)) {
    return { rule: 'deny-listed-action', call, reason: tripReason('deny-listed-action', call, 'an attempt at a deny-listed action') };
  }
  if (settings.unplannedCalls) {
    const plan = plannedActions.map(parsePlannedAction).filter((p) => p.pattern);
    // Only a plan written as IAM actions can be compared, as in the audit (docs/audit.md, "Planned actions").
    if (plan.length > 0 && !matchesPlan(call.iamAction, plan)) {
      return { rule: 'unplanned-call', call, reason: tripReason('unplanned-call', call, 'a call outside the planned actions') };
    }
  }
  return undefined;
}

/** True when this call counts towards the AccessDenied rule. */
export function countsAsAccessDenied(call: WatchedCall, settings: TripwireSettings): boolean {
  return settings.accessDenied !== null && isAccessDenied(call.errorCode);
}

/**
 * The AccessDenied rule over the refusals seen so far (`eventTime|eventId` entries, each once): trips when
 * `count` of them fall within `withinSeconds` ending at this call.
 */
export function accessDeniedTrip(call: WatchedCall, settings: TripwireSettings, seen: readonly string[]): Trip | undefined {
  const rule = settings.accessDenied;
  if (!rule) return undefined;
  const end = Date.parse(call.eventTime);
  const start = end - rule.withinSeconds * 1000;
  const within = seen.map((entry) => Date.parse(entry.slice(0, entry.indexOf('|')))).filter((t) => t > start && t <= end);
  if (within.length < rule.count) return undefined;
  return {
    rule: 'access-denied-burst',
    call,
    reason: tripReason('access-denied-burst', call, `${within.length} refused calls within ${rule.withinSeconds} s (limit ${rule.count})`),
  };
}

/** The entry a refusal is remembered by: its time first, so the window can be read back. */
export function deniedEntryOf(call: WatchedCall): string {
  return `${call.eventTime}|${call.eventId}`;
}

function tripReason(rule: TripwireRule, call: WatchedCall, what: string): string {
  const result = call.errorCode ? `refused: ${call.errorCode}` : 'succeeded';
  return `Tripwire ${rule}: ${what}, ${call.iamAction} at ${call.eventTime}${call.region ? ` in ${call.region}` : ''} (${result}; CloudTrail event ${call.eventId})`.slice(0, 500);
}

/** Who the revocation names as its author: the broker's tripwire, not a person. */
export const TRIPWIRE_REVOKED_BY = 'jit-broker-tripwire';
