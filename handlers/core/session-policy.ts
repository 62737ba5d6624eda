import { isoSeconds } from './grant-window';

/**
 * STS rejects inline plus managed session policies above 2,048 plaintext characters, and applies a packed
 * (compressed) limit on top that can fail a shorter policy (`PackedPolicyTooLarge`; docs/aws-facts.md).
 *
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html (Policy, PackedPolicySize)
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
export const MAX_SESSION_POLICY_CHARS = 2048;

/** The region IAM, CloudFront, Route 53, Organizations and the STS global endpoint sign for. */
export const GLOBAL_SERVICES_REGION = 'us-east-1';

/**
 * Global services with a single endpoint in us-east-1: every call to them carries
 * `aws:RequestedRegion = us-east-1` whichever region the caller works in, so the region fence lets them
 * through there (and only there). The list follows AWS's own example of a region fence; services whose
 * single endpoint is elsewhere (Global Accelerator, Device Farm: us-west-2) stay fenced, since the audit
 * does not read that region unless it is configured.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_deny-requested-region.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-requestedregion
 */
export const US_EAST_1_GLOBAL_ACTIONS: readonly string[] = [
  'iam:*',
  'sts:*',
  'cloudfront:*',
  'route53:*',
  'organizations:*',
  'support:*',
  'budgets:*',
  'waf:*',
];

/** What the agent said it will do: IAM action patterns, and optionally the resources some of them touch. */
export interface GrantPlan {
  /** `service:Action` patterns (`*`, `?` wildcards). */
  readonly actions: readonly string[];
  /** ARN patterns per planned action (a key is one of `actions`); an action without an entry is on `*`. */
  readonly resources?: Readonly<Record<string, readonly string[]>>;
}

export interface SessionPolicyInput {
  /** The approved expiry: nothing is allowed from this moment (`aws:CurrentTime`). */
  readonly expiresAt: Date;
  /** `audit.regions`: every call outside them is denied, except the global services in us-east-1. */
  readonly regions: readonly string[];
  /** Absent: the session may do whatever the role may (unscoped). */
  readonly plan?: GrantPlan;
  /**
   * Whether the role allows all of `action` (a pattern) on each of `resources` (patterns): compression
   * widens an entry only to a pattern this allows, so it never widens past the role (role-permissions.ts,
   * `roleAllowsAll`). Absent: the role is not known, and nothing is widened.
   */
  readonly within?: (action: string, resources: readonly string[]) => boolean;
}

export interface SessionPolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface SessionPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly SessionPolicyStatement[];
}

export interface SessionPolicy {
  /** The policy as sent to AssumeRole (`Policy`): compact JSON. */
  readonly json: string;
  readonly document: SessionPolicyDocument;
  /** True when the session is limited to a plan, false when it has the whole role. */
  readonly scoped: boolean;
  /** Plan entries replaced by a wider pattern to fit the limit (`ecs:DescribeServices` → `ecs:Describe*`). */
  readonly widened: readonly string[];
}

/** A plan whose session policy cannot fit STS's limit: refused before anything is minted. */
export class PlanTooLargeError extends Error {
  /**
   * @param characters the compressed policy's length
   * @param packed STS's own refusal (`PackedPolicyTooLarge`), when the plaintext fitted but the packed form did not
   */
  constructor(
    readonly characters: number,
    packed?: string,
    options?: ErrorOptions,
  ) {
    super(
      packed === undefined
        ? `plannedActions: the plan needs a session policy of ${characters} characters after compression; STS allows ` +
            `${MAX_SESSION_POLICY_CHARS} (AssumeRole Policy). Plan fewer actions or resources, or use wildcards such as service:Describe*.`
        : `plannedActions: STS refused the plan's session policy of ${characters} characters as too large once packed (${packed}). ` +
            'Plan fewer actions or resources, or use wildcards such as service:Describe*.',
      options,
    );
    this.name = 'PlanTooLargeError';
  }
}

const IAM_ACTION = /^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/;

/** Whether a planned entry is an IAM action pattern the session policy can enforce (free text is not). */
export function isEnforceableAction(text: string): boolean {
  return IAM_ACTION.test(text.trim());
}

/**
 * The plan a request's session policy enforces: its IAM-action entries, with the resources named for them.
 * Undefined when the request names no IAM action (no plan, or free text only): the grant is unscoped.
 */
export function planOf(request: {
  readonly plannedActions: readonly string[];
  readonly plannedResources?: Readonly<Record<string, readonly string[]>>;
}): GrantPlan | undefined {
  const actions = request.plannedActions.map((a) => a.trim()).filter(isEnforceableAction);
  if (actions.length === 0) return undefined;
  return { actions, ...(request.plannedResources ? { resources: request.plannedResources } : {}) };
}

function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

/** Drops duplicates (case-insensitive for actions) and entries another entry's wildcard already covers. */
function withoutCovered(values: readonly string[], ignoreCase: boolean): string[] {
  const key = (v: string) => (ignoreCase ? v.toLowerCase() : v);
  const first = new Map<string, string>();
  for (const v of values) if (!first.has(key(v))) first.set(key(v), v);
  const unique = [...first.values()];
  return unique.filter((v) => !unique.some((other) => key(other) !== key(v) && wildcard(other, v, ignoreCase)));
}

/** `ecs:DescribeServices` → `ecs:Describe*` (the service and the action's leading verb). */
function verbPattern(action: string): string | undefined {
  const [service, name = ''] = action.split(':');
  const verb = /^[A-Z][a-z]+/.exec(name)?.[0];
  return verb && verb !== name ? `${service}:${verb}*` : undefined;
}

/** `arn:aws:s3:::bucket/a/b` → `arn:aws:s3:::bucket/a/*`; an ARN without a path stays as it is. */
function parentPattern(arn: string): string | undefined {
  const cut = arn.lastIndexOf('/');
  return cut > 0 && cut < arn.length - 1 ? `${arn.slice(0, cut + 1)}*` : undefined;
}

/** Replaces every group of two or more entries sharing a wider pattern by that pattern, where `may` allows it. */
function mergeBy(
  values: readonly string[],
  wider: (v: string) => string | undefined,
  widened: string[],
  ignoreCase: boolean,
  may: (pattern: string) => boolean,
): string[] {
  const groups = new Map<string, string[]>();
  for (const v of values) {
    const candidate = wider(v);
    const w = candidate !== undefined && may(candidate) ? candidate : undefined;
    const k = w ?? `=${v}`;
    groups.set(k, [...(groups.get(k) ?? []), v]);
  }
  const out: string[] = [];
  for (const [k, members] of groups) {
    if (!k.startsWith('=') && members.length > 1) {
      widened.push(...members);
      out.push(k);
    } else out.push(...members);
  }
  return withoutCovered(out, ignoreCase);
}

interface PlanGroup {
  actions: string[];
  resources: string[];
}

/** Actions with the same resources share one statement ("merge resources"). */
function groupsOf(plan: GrantPlan): PlanGroup[] {
  const byResources = new Map<string, PlanGroup>();
  for (const action of withoutCovered(plan.actions.map((a) => a.trim()), true)) {
    const named = plan.resources?.[action] ?? Object.entries(plan.resources ?? {}).find(([k]) => k.toLowerCase() === action.toLowerCase())?.[1];
    const resources = named && named.length > 0 && !named.includes('*') ? withoutCovered(named, false).sort() : ['*'];
    const key = resources.join('\n');
    const group = byResources.get(key) ?? { actions: [], resources };
    group.actions.push(action);
    byResources.set(key, group);
  }
  return [...byResources.values()];
}

function one(values: readonly string[]): string | readonly string[] {
  return values.length === 1 ? values[0] : values;
}

function documentOf(input: SessionPolicyInput, groups: readonly PlanGroup[] | undefined): SessionPolicyDocument {
  const fence = { DateLessThan: { 'aws:CurrentTime': isoSeconds(input.expiresAt) } };
  const allows: SessionPolicyStatement[] = groups
    ? groups.map((g, i) => ({ Sid: `JitPlan${i}`, Effect: 'Allow', Action: one(g.actions), Resource: one(g.resources), Condition: fence }))
    : [{ Sid: 'JitTimeFence', Effect: 'Allow', Action: '*', Resource: '*', Condition: fence }];
  const regions = [...new Set(input.regions)];
  const fenced = [...new Set([...regions, GLOBAL_SERVICES_REGION])];
  const denies: SessionPolicyStatement[] = [
    { Sid: 'JitRegionFence', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': one(fenced) } } },
  ];
  if (!regions.includes(GLOBAL_SERVICES_REGION)) {
    denies.push({
      Sid: 'JitGlobalOnly',
      Effect: 'Deny',
      NotAction: US_EAST_1_GLOBAL_ACTIONS,
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestedRegion': GLOBAL_SERVICES_REGION } },
    });
  }
  return { Version: '2012-10-17', Statement: [...allows, ...denies] };
}

/**
 * The inline session policy of a grant. A session policy only ever limits: the session may do what both
 * the role's policies and this policy allow, and nothing any of them (or the role's deny-always ceiling)
 * denies. So `Allow *` grants nothing new, and a plan's allow list cuts the role down to the plan.
 *
 * - **Time fence:** every allow holds only while `aws:CurrentTime` is before the approved expiry, although
 *   the STS credentials stay valid for at least 15 minutes.
 * - **Plan:** with a plan, only its actions are allowed, each on its planned resources (or `*`). Actions with
 *   the same resources share a statement; entries a wildcard of the plan covers are dropped. Only when the
 *   policy would not fit are entries widened: actions to `service:Verb*`, then resources to their parent
 *   path, each only where `within` says the role allows all of the wider pattern (so the compressed policy
 *   is never wider than the role); the widened entries are named in the result. A plan that still does not
 *   fit is refused.
 * - **Region fence:** every call whose `aws:RequestedRegion` is not an audited region is denied, so each
 *   call the session can make is one the audit reads. Global services signing for us-east-1 (IAM, the STS
 *   global endpoint, CloudFront, Route 53, Organizations, ...) work there; other calls in us-east-1 only if
 *   it is an audited region. (The audit always reads us-east-1, where those services' events land.)
 *
 * Pure: the same input always gives the same policy, so Register can check a plan's size early and the
 * mint builds the same policy.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_assumerole.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * @throws PlanTooLargeError when the plan cannot fit in MAX_SESSION_POLICY_CHARS.
 */
export function grantSessionPolicy(input: SessionPolicyInput): SessionPolicy {
  if (!input.plan) {
    const document = documentOf(input, undefined);
    return { json: checked(JSON.stringify(document)), document, scoped: false, widened: [] };
  }
  const widened: string[] = [];
  let groups = groupsOf(input.plan);
  let json = JSON.stringify(documentOf(input, groups));
  // Never wider than the role: a widened action must be allowed whole on the group's resources, a widened
  // resource for every action of its group. Without the role's policy nothing is widened.
  const within = input.within ?? (() => false);
  const steps: Array<(g: PlanGroup) => PlanGroup> = [
    (g) => ({ ...g, actions: mergeBy(g.actions, verbPattern, widened, true, (pattern) => within(pattern, g.resources)) }),
    (g) => ({ ...g, resources: mergeBy(g.resources, parentPattern, widened, false, (pattern) => g.actions.every((a) => within(a, [pattern]))) }),
  ];
  for (const step of steps) {
    if (json.length <= MAX_SESSION_POLICY_CHARS) break;
    groups = groups.map(step);
    json = JSON.stringify(documentOf(input, groups));
  }
  if (json.length > MAX_SESSION_POLICY_CHARS) throw new PlanTooLargeError(json.length);
  return { json, document: documentOf(input, groups), scoped: true, widened };
}

function checked(json: string): string {
  if (json.length > MAX_SESSION_POLICY_CHARS) throw new PlanTooLargeError(json.length);
  return json;
}

/**
 * Inline session policy with the time fence only (no plan, no region fence): what grants minted before the
 * plan-scoped policy carried. Kept for the policy tests that check the time fence on its own.
 */
export function timeFencedSessionPolicy(expiresAt: Date): string {
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'JitTimeFence',
        Effect: 'Allow',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:CurrentTime': isoSeconds(expiresAt) } },
      },
    ],
  });
  if (policy.length > MAX_SESSION_POLICY_CHARS) {
    throw new RangeError(`Session policy is ${policy.length} characters; STS allows ${MAX_SESSION_POLICY_CHARS}.`);
  }
  return policy;
}
