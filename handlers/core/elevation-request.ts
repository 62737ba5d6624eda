import { z } from 'zod';
import { AGENT_ID_PATTERN, AGENT_SECRET_NAME_PATTERN, AGENT_SOURCE_PATTERN, agentEventSource, agentOfSource, agentSecretName } from './agents';
import { type BrokerSettings, agentsOf } from './broker-settings';
import { displayTextProblem } from './display-text';
import { checkGrantTerms } from './grant-terms';
import { ELEVATION_EXTENSION_REQUESTED, ELEVATION_REQUESTED } from './broker-event';
import { PlanTooLargeError, isEnforceableAction, planOf } from './session-policy';
import { requestSessionPolicy } from './request-session-policy';
import { UnsupportedPolicyError } from './policy-evaluator';
import { planOutsideRole, planOutsideRoleProblem, rolePermissionsOf } from './role-permissions';

/**
 * Request ids travel in role session names, source identities, secret versions and URLs, so they are
 * restricted to characters that are safe in all of them. 36 characters fits a UUID.
 */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{7,35}$/;
export const MAX_REASON_LENGTH = 500;
export const MAX_PLANNED_ACTIONS = 20;
export const MAX_PLANNED_ACTION_LENGTH = 200;
/** At most this many resource ARNs per planned action, each at most MAX_PLANNED_RESOURCE_LENGTH characters. */
export const MAX_PLANNED_RESOURCES = 10;
export const MAX_PLANNED_RESOURCE_LENGTH = 512;
/** An ARN pattern: `arn:partition:service:region:account:resource`, wildcards allowed, no policy variables. */
const ARN_PATTERN = /^arn:[a-z*?-]+:[a-z0-9*?-]+:[a-z0-9*?-]*:(\d{12}|[*?]*)?:[^\s${}]+$/;

/**
 * Resource ARNs per planned action (`{"ecs:UpdateService": ["arn:aws:ecs:...:service/prod/payments"]}`): the
 * session policy allows that action on those resources only. Actions without an entry are allowed on `*`.
 */
export const plannedResourcesSchema = z.record(z.string().min(1).max(MAX_PLANNED_ACTION_LENGTH), z.array(z.string()).min(1));

/** Control characters other than tab and newline have no place in text an approver reads. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029]/;

/** `detail` of an `Elevation Requested` event (source `jit.agent`), as the agent sends it (README.md, Contracts). */
export const elevationRequestDetailSchema = z
  .object({
    requestId: z.string().regex(REQUEST_ID_PATTERN, 'must be 8-36 letters, digits or dashes, starting with a letter or digit').optional(),
    account: z.string().min(1).max(64),
    role: z.string().min(1).max(64),
    minutes: z.number().int('must be a whole number'),
    reason: z.string(),
    plannedActions: z.array(z.string()).optional(),
    plannedResources: plannedResourcesSchema.optional(),
    /** Free-text name of the agent or person on whose behalf the request is made. */
    requester: z.string().min(1).max(128).optional(),
  })
  .strict();

export type ElevationRequestDetail = z.infer<typeof elevationRequestDetailSchema>;

/** A request that passed validation against the config, as the broker stores and passes it along. */
export const elevationRequestSchema = z.object({
  requestId: z.string().regex(REQUEST_ID_PATTERN),
  accountId: z.string().regex(/^\d{12}$/),
  accountName: z.string(),
  role: z.string(),
  minutes: z.number().int().positive(),
  reason: z.string(),
  plannedActions: z.array(z.string()),
  /** Present only when the agent named resources for some planned actions. */
  plannedResources: plannedResourcesSchema.optional(),
  requester: z.string().optional(),
  /** The AWS account the request event was sent from. */
  sourceAccount: z.string().optional(),
  requestedAt: z.iso.datetime(),
  /**
   * The agent that asked, from the event's `source` (never from the detail). Absent on records written
   * before several agents: those are the first agent's.
   */
  agentId: z.string().regex(AGENT_ID_PATTERN).optional(),
  /** That agent's event source; broker events about the request carry it, so they reach its queue only. */
  agentSource: z.string().regex(AGENT_SOURCE_PATTERN).optional(),
  /** The secret the grant is handed over in: the agent's own for this account. @default `agent/elevated/<accountId>` */
  secretName: z.string().regex(AGENT_SECRET_NAME_PATTERN).optional(),
  /**
   * Set on an extension request (`jit extend`): the live grant it extends, fixed at registration
   * (handlers/core/grant-extension.ts). Kept structural here so the core stays one-directional.
   */
  extension: z
    .object({ requestId: z.string().regex(REQUEST_ID_PATTERN), grantId: z.string().min(32).max(64), firstGrantedAt: z.iso.datetime(), expiresAt: z.iso.datetime() })
    .optional(),
});

export type ElevationRequest = z.infer<typeof elevationRequestSchema>;

/** The EventBridge envelope the rule hands to the state machine as execution input. */
export const requestEventSchema = z.object({
  id: z.string().min(1).max(128),
  /** `jit.agent` for the first agent, `jit.agent.<id>` for the others (handlers/core/agents.ts). */
  source: z.string().regex(AGENT_SOURCE_PATTERN),
  'detail-type': z.literal('Elevation Requested'),
  account: z.string().optional(),
  time: z.string().optional(),
  detail: z.unknown(),
});

export type RequestEvent = z.infer<typeof requestEventSchema>;

export type Validation<T> = { ok: true; value: T } | { ok: false; problems: string[] };

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'detail';
    return `${where}: ${issue.message}`;
  });
}

function checkText(field: string, text: string, max: number, problems: string[]): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) problems.push(`${field}: must not be empty`);
  if (trimmed.length > max) problems.push(`${field}: must be at most ${max} characters (got ${trimmed.length})`);
  const unsafe = displayTextProblem(field, trimmed);
  if (unsafe) problems.push(unsafe);
  return trimmed;
}

/**
 * The request id for an event: the agent's own when it sent one, else derived from the EventBridge
 * event id, which stays the same when EventBridge delivers the event again — so a redelivery is
 * recognised as a duplicate instead of becoming a second grant.
 */
export function requestIdFor(event: { id: string; detail?: unknown }): string | undefined {
  const detail = event.detail as { requestId?: unknown } | undefined;
  if (detail && typeof detail.requestId === 'string') return detail.requestId;
  const derived = event.id.replace(/[^A-Za-z0-9-]/g, '').slice(0, 36);
  return REQUEST_ID_PATTERN.test(derived) ? derived : undefined;
}

/**
 * Validates an `Elevation Requested` event against the config: the grant terms (`checkGrantTerms`: the
 * role configured for the account, `1 <= minutes <= role max`), the reason 1..500 characters of printable text.
 * Reason, requester and planned actions are one-line display text (`displayTextProblem`: no control
 * characters, line or paragraph separators, bidi controls or zero-width characters). Returns every problem
 * at once so the agent can fix its request in one go.
 */
export function validateElevationRequest(
  event: RequestEvent,
  settings: BrokerSettings,
  now: Date,
): Validation<ElevationRequest> {
  const parsed = elevationRequestDetailSchema.safeParse(event.detail);
  if (!parsed.success) return { ok: false, problems: describeIssues(parsed.error) };
  const detail = parsed.data;
  const problems: string[] = [];

  const requestId = requestIdFor(event);
  if (!requestId) problems.push('requestId: missing, and the event id cannot serve as one');
  // The source is what the sender's PutEvents permission pinned (`events:source`); the detail cannot say otherwise.
  const agent = agentOfSource(agentsOf(settings), event.source);
  if (!agent) problems.push(`source: ${event.source} is not the source of a configured agent`);

  const terms = checkGrantTerms(settings, { account: detail.account, role: detail.role, minutes: detail.minutes });
  if (!terms.ok) problems.push(...terms.problems);

  const reason = checkText('reason', detail.reason, MAX_REASON_LENGTH, problems);
  const plannedActions = (detail.plannedActions ?? []).map((action, i) =>
    checkText(`plannedActions.${i}`, action, MAX_PLANNED_ACTION_LENGTH, problems),
  );
  if (plannedActions.length > MAX_PLANNED_ACTIONS) {
    problems.push(`plannedActions: at most ${MAX_PLANNED_ACTIONS} entries (got ${plannedActions.length})`);
  }
  const plannedResources = detail.plannedResources;
  if (plannedResources) problems.push(...plannedResourceProblems(plannedActions, plannedResources));
  const requester = detail.requester === undefined ? undefined : checkText('requester', detail.requester, 128, problems);
  if (problems.length === 0 && terms.ok) {
    const planned = { role: terms.role.name, plannedActions, ...(plannedResources ? { plannedResources } : {}) };
    // A plan the role does not allow is refused first: the grant could never do it, and it is not what the
    // approver would be asked to allow (role-permissions.ts). Then the plan's size, as the mint builds it.
    const outside = planOutsideTheRole(planned, settings, now);
    if (outside) problems.push(outside);
    else {
      const tooLarge = planSizeProblem(planned, settings, new Date(now.getTime() + detail.minutes * 60_000), now);
      if (tooLarge) problems.push(tooLarge);
    }
  }

  if (problems.length > 0 || !terms.ok || !requestId || !agent) return { ok: false, problems };
  const { account, role } = terms;
  return {
    ok: true,
    value: {
      requestId,
      accountId: account.id,
      accountName: account.name,
      role: role.name,
      minutes: detail.minutes,
      reason,
      plannedActions,
      ...(plannedResources ? { plannedResources } : {}),
      ...(requester ? { requester } : {}),
      ...(event.account ? { sourceAccount: event.account } : {}),
      requestedAt: now.toISOString(),
      agentId: agent.id,
      agentSource: agentEventSource(agent),
      secretName: agentSecretName(agent, account.id),
    },
  };
}

/** Every key must be a planned IAM action, every value an ARN pattern (or `*`). */
function plannedResourceProblems(plannedActions: readonly string[], plannedResources: Readonly<Record<string, readonly string[]>>): string[] {
  const problems: string[] = [];
  const planned = new Set(plannedActions.filter(isEnforceableAction).map((a) => a.toLowerCase()));
  for (const [action, resources] of Object.entries(plannedResources)) {
    const field = `plannedResources.${action.slice(0, 60)}`;
    if (!planned.has(action.trim().toLowerCase())) problems.push(`${field}: names no IAM action of plannedActions`);
    if (resources.length > MAX_PLANNED_RESOURCES) problems.push(`${field}: at most ${MAX_PLANNED_RESOURCES} resources (got ${resources.length})`);
    resources.forEach((arn, i) => {
      if (arn.length > MAX_PLANNED_RESOURCE_LENGTH) problems.push(`${field}.${i}: must be at most ${MAX_PLANNED_RESOURCE_LENGTH} characters`);
      else if (arn !== '*' && !ARN_PATTERN.test(arn)) problems.push(`${field}.${i}: not an ARN (arn:partition:service:region:account:resource; wildcards allowed, no policy variables)`);
    });
  }
  return problems;
}

/**
 * The problem with a plan that names actions (or resources) the role's merged permissions do not allow in
 * the audited regions: the role's policy file and the ceiling's deny list, evaluated with the project's
 * policy evaluator (role-permissions.ts). Undefined when the plan is within the role, when there is no plan,
 * or when the settings do not carry the role's policy (then nothing can be evaluated; the mint's
 * no-new-access proof says "not proven").
 */
export function planOutsideTheRole(
  request: Pick<ElevationRequest, 'role' | 'plannedActions' | 'plannedResources'>,
  settings: Pick<BrokerSettings, 'auditRegions' | 'rolePolicies'>,
  now: Date,
): string | undefined {
  const plan = planOf(request);
  const permissions = rolePermissionsOf(settings, request.role);
  if (!plan || !permissions) return undefined;
  try {
    return planOutsideRoleProblem(planOutsideRole(plan, permissions, settings.auditRegions, now), request.role);
  } catch (error) {
    // A role policy the evaluator cannot evaluate (policy variables, ...): left to IAM and the proofs.
    if (error instanceof UnsupportedPolicyError) return undefined;
    throw error;
  }
}

/**
 * The problem with a plan whose session policy would not fit STS's limit, said at Register so the agent
 * learns it before anyone is asked to approve; the mint checks again (the same pure builder).
 */
export function planSizeProblem(
  request: Pick<ElevationRequest, 'role' | 'plannedActions' | 'plannedResources'>,
  settings: Pick<BrokerSettings, 'auditRegions' | 'rolePolicies'>,
  expiresAt: Date,
  now: Date,
): string | undefined {
  if (!planOf(request)) return undefined;
  try {
    requestSessionPolicy(request, settings, { expiresAt, now });
    return undefined;
  } catch (error) {
    if (error instanceof PlanTooLargeError) return error.message;
    throw error;
  }
}

/**
 * What can safely be said about a request that failed validation, for the Rejected event: only values
 * that are well-formed, so nothing a sender made up reaches the event bus unchecked. `agentSource` is the
 * envelope's `source` (which the sender's PutEvents permission pinned, never the detail), so the refusal
 * reaches that agent's notification queue even though the request was never stored.
 */
export function describeRejectedRequest(event: unknown): { requestId?: string; account?: string; role?: string; agentSource?: string } {
  // An extension's rejection names it too, so the agent that sent it hears (handlers/core/grant-extension.ts).
  const parsedEvent = requestEventSchema.extend({ 'detail-type': z.enum([ELEVATION_REQUESTED, ELEVATION_EXTENSION_REQUESTED]) }).safeParse(event);
  if (!parsedEvent.success) return {};
  const detail = (parsedEvent.data.detail ?? {}) as Record<string, unknown>;
  const requestId = requestIdFor(parsedEvent.data);
  const safe = (value: unknown) => (typeof value === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(value) ? value : undefined);
  return {
    ...(requestId && REQUEST_ID_PATTERN.test(requestId) ? { requestId } : {}),
    ...(safe(detail.account) ? { account: safe(detail.account) } : {}),
    ...(safe(detail.role) ? { role: safe(detail.role) } : {}),
    agentSource: parsedEvent.data.source,
  };
}
