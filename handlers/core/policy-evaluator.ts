/**
 * A small IAM policy evaluator (used by the sandbox, and by the approval messages to show what a grant can do): enough of IAM's logic to answer the calls the sandbox sees
 * the way AWS would for the policy shapes this project deploys (the elevated roles' policy files, the
 * deny-always ceiling, the time-fenced session policy, revocation denies, the agent's and approver's
 * standing policies, the secrets' resource policies).
 *
 * What it does: explicit deny wins over allow; an identity-policy (or resource-policy) allow is needed;
 * a session policy and a permissions boundary each cap it. `Action`/`NotAction` (case-insensitive,
 * wildcards), `Resource`/`NotResource` (wildcards), `Principal` of resource policies (`*`, ARNs, account
 * roots), and the condition operators String*, Arn*, Date*, Numeric*, Bool and Null, with `IfExists` and
 * the `ForAllValues:`/`ForAnyValue:` set operators, on the context keys the caller supplies.
 *
 * What it does not do (a policy that needs it is refused, never guessed): policy variables (`${...}`),
 * IP and binary operators, `NotPrincipal`, SCPs and RCPs. Across accounts it requires both the identity
 * policies and the resource's policy to allow, as IAM does. It is tested
 * against @cloud-copilot/iam-simulate (a dev dependency only; AGPL) on the cases that matter here
 * (test/sandbox/iam/policy-evaluator.test.ts).
 */

import { CROSS_SERVICE_RESOURCES } from './cross-service-resources';

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: PolicyStatement | readonly PolicyStatement[];
}

export type ContextValue = string | readonly string[];

export interface AuthorizationRequest {
  /** The caller: an IAM user or role ARN, or an assumed-role session ARN. */
  readonly principalArn: string;
  /** `service:Action`. */
  readonly action: string;
  /**
   * The resource ARN, or `*` for actions without resource-level permissions. Undefined when the sandbox
   * cannot tell which resource a call names: then every Deny that names any resource applies, and only an
   * Allow on `*` allows, so the answer is never more lenient than IAM's for whichever resource it is.
   */
  readonly resource: string | undefined;
  /** Request context keys (names are case-insensitive, as in IAM). */
  readonly context: Readonly<Record<string, ContextValue | undefined>>;
}

export interface PolicySet {
  readonly identity: readonly PolicyDocument[];
  readonly sessionPolicy?: PolicyDocument;
  readonly boundary?: PolicyDocument;
  readonly resourcePolicy?: PolicyDocument;
}

export interface Evaluation {
  readonly decision: Decision;
  /** The Sid (or policy index) of the statement that decided, for an explicit deny. */
  readonly deniedBy?: string;
  /** Which policy type holds that deny. */
  readonly deniedIn?: 'identity' | 'session' | 'boundary' | 'resource';
  /** Which policy type lacked an allow, for an implicit deny. */
  readonly missingAllowIn?: 'identity' | 'session' | 'boundary' | 'resource';
}

/** A policy uses something this evaluator does not implement; the call is refused rather than guessed. */
export class UnsupportedPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedPolicyError';
  }
}

function list(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

function statements(policy: PolicyDocument): readonly PolicyStatement[] {
  return Array.isArray(policy.Statement) ? (policy.Statement as readonly PolicyStatement[]) : [policy.Statement as PolicyStatement];
}

function rejectVariables(text: string): void {
  if (text.includes('${')) throw new UnsupportedPolicyError(`Policy variables are not evaluated by the sandbox: ${text}`);
}

const patternCache = new Map<string, RegExp>();

/** IAM's `*` (any run of characters) and `?` (one character) match. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? 'i' : 's'}:${pattern}`;
  let re = patternCache.get(key);
  if (!re) {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
    patternCache.set(key, re);
  }
  return re.test(value);
}

function actionMatches(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined) return list(statement.Action).some((p) => wildcardMatch(p, action, true));
  if (statement.NotAction !== undefined) return !list(statement.NotAction).some((p) => wildcardMatch(p, action, true));
  return false;
}

/** Whether a Resource pattern could name a resource of `action` (its service's, or a documented other one). */
function couldNameResourceOf(pattern: string, action: string): boolean {
  if (pattern === '*') return true;
  const service = pattern.split(':')[2] ?? '';
  if (service.includes('*') || service.includes('?')) return true;
  const own = action.slice(0, action.indexOf(':')).toLowerCase();
  return service === own || (CROSS_SERVICE_RESOURCES[own] ?? []).includes(service);
}

function resourceMatches(statement: PolicyStatement, action: string, resource: string | undefined): boolean {
  if (resource === undefined) {
    // Unknown resource: a Deny applies wherever it could name the resource; an Allow must cover every one.
    const deny = statement.Effect === 'Deny';
    if (statement.Resource !== undefined) {
      return list(statement.Resource).some((p) => p === '*' || (deny && couldNameResourceOf(p, action)));
    }
    if (statement.NotResource !== undefined) return deny && !list(statement.NotResource).includes('*');
    return true;
  }
  const test = (p: string) => {
    rejectVariables(p);
    return p === '*' || wildcardMatch(p, resource);
  };
  if (statement.Resource !== undefined) return list(statement.Resource).some(test);
  if (statement.NotResource !== undefined) return !list(statement.NotResource).some(test);
  // A trust policy names no resource: it is the role's own.
  return true;
}

function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/** The role ARN behind an assumed-role session ARN (a resource policy naming the role matches its sessions). */
function roleOfSession(arn: string): string | undefined {
  const m = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : undefined;
}

function principalMatches(statement: PolicyStatement, principalArn: string): boolean {
  if (statement.NotPrincipal !== undefined) throw new UnsupportedPolicyError('NotPrincipal is not evaluated by the sandbox.');
  const principal = statement.Principal;
  if (principal === undefined) return true;
  if (principal === '*') return true;
  const aws = (principal as { AWS?: string | string[] }).AWS;
  if (aws === undefined) return false;
  const role = roleOfSession(principalArn);
  return list(aws).some(
    (p) => p === '*' || p === principalArn || (role !== undefined && p === role) || p === `arn:aws:iam::${accountOf(principalArn)}:root` || p === accountOf(principalArn),
  );
}

type Comparison = (contextValue: string, policyValue: string) => boolean;

function asTime(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (Number.isNaN(n)) throw new UnsupportedPolicyError(`Not a date: ${value}`);
  return n;
}

function asNumber(value: string): number {
  const n = Number(value);
  if (Number.isNaN(n)) throw new UnsupportedPolicyError(`Not a number: ${value}`);
  return n;
}

/** Each operator as a positive comparison and whether the operator negates it. */
const OPERATORS: Readonly<Record<string, { readonly compare: Comparison; readonly negated: boolean }>> = {
  StringEquals: { compare: (c, p) => c === p, negated: false },
  StringNotEquals: { compare: (c, p) => c === p, negated: true },
  StringEqualsIgnoreCase: { compare: (c, p) => c.toLowerCase() === p.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { compare: (c, p) => c.toLowerCase() === p.toLowerCase(), negated: true },
  StringLike: { compare: (c, p) => wildcardMatch(p, c), negated: false },
  StringNotLike: { compare: (c, p) => wildcardMatch(p, c), negated: true },
  ArnEquals: { compare: (c, p) => wildcardMatch(p, c), negated: false },
  ArnLike: { compare: (c, p) => wildcardMatch(p, c), negated: false },
  ArnNotEquals: { compare: (c, p) => wildcardMatch(p, c), negated: true },
  ArnNotLike: { compare: (c, p) => wildcardMatch(p, c), negated: true },
  DateEquals: { compare: (c, p) => asTime(c) === asTime(p), negated: false },
  DateNotEquals: { compare: (c, p) => asTime(c) === asTime(p), negated: true },
  DateLessThan: { compare: (c, p) => asTime(c) < asTime(p), negated: false },
  DateLessThanEquals: { compare: (c, p) => asTime(c) <= asTime(p), negated: false },
  DateGreaterThan: { compare: (c, p) => asTime(c) > asTime(p), negated: false },
  DateGreaterThanEquals: { compare: (c, p) => asTime(c) >= asTime(p), negated: false },
  NumericEquals: { compare: (c, p) => asNumber(c) === asNumber(p), negated: false },
  NumericNotEquals: { compare: (c, p) => asNumber(c) === asNumber(p), negated: true },
  NumericLessThan: { compare: (c, p) => asNumber(c) < asNumber(p), negated: false },
  NumericLessThanEquals: { compare: (c, p) => asNumber(c) <= asNumber(p), negated: false },
  NumericGreaterThan: { compare: (c, p) => asNumber(c) > asNumber(p), negated: false },
  NumericGreaterThanEquals: { compare: (c, p) => asNumber(c) >= asNumber(p), negated: false },
  Bool: { compare: (c, p) => c.toLowerCase() === p.toLowerCase(), negated: false },
};

function lookup(context: AuthorizationRequest['context'], key: string): readonly string[] | undefined {
  const wanted = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) {
    if (name.toLowerCase() === wanted && value !== undefined) return typeof value === 'string' ? [value] : value;
  }
  return undefined;
}

function policyValues(raw: unknown): string[] {
  const values = Array.isArray(raw) ? raw : [raw];
  return values.map((v) => {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new UnsupportedPolicyError(`Unsupported condition value ${JSON.stringify(v)}`);
    const text = String(v);
    rejectVariables(text);
    return text;
  });
}

function conditionHolds(operatorName: string, key: string, raw: unknown, context: AuthorizationRequest['context']): boolean {
  const m = /^(?:(ForAllValues|ForAnyValue):)?(.+?)(IfExists)?$/.exec(operatorName);
  if (!m) throw new UnsupportedPolicyError(`Unknown condition operator ${operatorName}`);
  const [, setOperator, base, ifExists] = m;
  const values = policyValues(raw);
  const present = lookup(context, key);

  if (base === 'Null') {
    const wantsAbsent = values.some((v) => v.toLowerCase() === 'true');
    return wantsAbsent ? present === undefined || present.length === 0 : present !== undefined && present.length > 0;
  }
  const operator = OPERATORS[base];
  if (!operator) throw new UnsupportedPolicyError(`The sandbox does not evaluate the condition operator ${base}.`);
  const matchesOne = (contextValue: string) => {
    const any = values.some((p) => operator.compare(contextValue, p));
    return operator.negated ? !any : any;
  };

  if (setOperator === 'ForAllValues') return (present ?? []).every(matchesOne);
  if (setOperator === 'ForAnyValue') return (present ?? []).some(matchesOne);
  if (present === undefined || present.length === 0) return ifExists !== undefined || operator.negated;
  return operator.negated ? present.every(matchesOne) : present.some(matchesOne);
}

function conditionsHold(statement: PolicyStatement, context: AuthorizationRequest['context']): boolean {
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, raw] of Object.entries(keys)) {
      if (!conditionHolds(operator, key, raw, context)) return false;
    }
  }
  return true;
}

interface Matches {
  readonly allow: boolean;
  readonly deny?: string;
}

function matchPolicies(policies: readonly PolicyDocument[], request: AuthorizationRequest, checkPrincipal: boolean): Matches {
  let allow = false;
  for (const [i, policy] of policies.entries()) {
    for (const [j, statement] of statements(policy).entries()) {
      if (checkPrincipal && !principalMatches(statement, request.principalArn)) continue;
      if (!actionMatches(statement, request.action) || !resourceMatches(statement, request.action, request.resource)) continue;
      if (!conditionsHold(statement, request.context)) continue;
      if (statement.Effect === 'Deny') return { allow: false, deny: statement.Sid ?? `policy ${i} statement ${j}` };
      if (statement.Effect === 'Allow') allow = true;
    }
  }
  return { allow };
}

/** IAM's decision for one request under one caller's policies, within one account. */
export function evaluatePolicies(policies: PolicySet, request: AuthorizationRequest): Evaluation {
  const identity = matchPolicies(policies.identity, request, false);
  const session = policies.sessionPolicy ? matchPolicies([policies.sessionPolicy], request, false) : undefined;
  const boundary = policies.boundary ? matchPolicies([policies.boundary], request, false) : undefined;
  const resource = policies.resourcePolicy ? matchPolicies([policies.resourcePolicy], request, true) : undefined;

  const kinds = [
    ['identity', identity],
    ['session', session],
    ['boundary', boundary],
    ['resource', resource],
  ] as const;
  for (const [kind, m] of kinds) {
    if (m?.deny) return { decision: 'ExplicitlyDenied', deniedBy: m.deny, deniedIn: kind };
  }
  // Across accounts, both sides must allow: the caller's identity policies and the resource's own policy.
  // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
  const resourceAccount = request.resource === undefined ? '' : accountOf(request.resource);
  const crossAccount = resourceAccount !== '' && resourceAccount !== accountOf(request.principalArn);
  // A KMS key's own policy is its primary access control: without one that allows (or delegates to IAM),
  // identity policies grant nothing on the key. The sandbox holds no key policies.
  // @see https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
  const kmsKey = request.resource === undefined ? request.action.toLowerCase().startsWith('kms:') : /^arn:[^:]+:kms:[^:]*:[^:]*:key\//.test(request.resource);
  const needsResourcePolicy = crossAccount || kmsKey;
  if (needsResourcePolicy && !(identity.allow && resource?.allow)) {
    return { decision: 'ImplicitlyDenied', missingAllowIn: identity.allow ? 'resource' : 'identity' };
  }
  if (!identity.allow && !resource?.allow) return { decision: 'ImplicitlyDenied', missingAllowIn: 'identity' };
  if (boundary && !boundary.allow) return { decision: 'ImplicitlyDenied', missingAllowIn: 'boundary' };
  if (session && !session.allow) return { decision: 'ImplicitlyDenied', missingAllowIn: 'session' };
  return { decision: 'Allowed' };
}

/** Checks that a value has a policy document's shape (statements with an Effect) before it is evaluated. */
export function toPolicyDocument(value: unknown): PolicyDocument {
  const doc = value as { Statement?: unknown };
  const list = Array.isArray(doc?.Statement) ? doc.Statement : doc?.Statement !== undefined ? [doc.Statement] : undefined;
  if (!list || list.some((s) => s === null || typeof s !== 'object' || ((s as PolicyStatement).Effect !== 'Allow' && (s as PolicyStatement).Effect !== 'Deny'))) {
    throw new UnsupportedPolicyError(`Not a policy document: ${JSON.stringify(value).slice(0, 200)}`);
  }
  return { ...(doc as object), Statement: list as PolicyStatement[] } as PolicyDocument;
}
