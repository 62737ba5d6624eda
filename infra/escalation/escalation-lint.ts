import { timeFencedSessionPolicy } from '../../handlers/core/session-policy';
import { SOURCE_IDENTITY_PREFIX } from '../../handlers/core/grant-window';
import { evaluatePolicies, type PolicyDocument, toPolicyDocument, UnsupportedPolicyError } from '../../sandbox/iam/policy-evaluator';
import { requestContext } from '../../sandbox/iam/request-context';
import type { EscalationCall, EscalationPath } from './escalation-catalog';

/**
 * The escalation lint's pure core: does an elevated role, as synthesized, open a catalog path that the
 * ceiling does not close? Every call of a path is evaluated with the project's policy evaluator against
 * the role's own policies (its policy file and every managed policy attached to it, the ceiling among
 * them), its permissions boundary if it has one, and the time fence alone as session policy (the widest
 * any grant gets: a plan only narrows it, the region fences only deny), with the request context
 * AWS builds for a broker-minted session (sandbox/iam/request-context.ts). No string matching on action
 * names: a path is closed exactly when IAM would refuse one of its steps.
 */

/** One elevated role in one target account, with its policies as the template deploys them. */
export interface SynthesizedElevatedRole {
  /** The configured role name (`Ops`). */
  readonly roleName: string;
  /** Its IAM role name (`AgentElevated-Ops`). */
  readonly iamRoleName: string;
  readonly accountId: string;
  readonly accountName: string;
  readonly partition: string;
  /** The region the stacks are deployed to; non-global calls are made there. */
  readonly region: string;
  /** Inline and attached managed policies, by name (the ceiling is one or more of them). */
  readonly identityPolicies: ReadonlyArray<{ readonly name: string; readonly policy: unknown }>;
  readonly boundary?: unknown;
  /** The ARN of the broker's permissions boundary in this account (`{brokerBoundary}` in the catalog). */
  readonly brokerBoundaryArn: string;
}

/** A call of a path that the role may make. */
export interface AllowedCall {
  readonly action: string;
  readonly resource: string;
}

/** A catalog path one role leaves open: every step has an allowed call (or could not be evaluated). */
export interface OpenPath {
  readonly path: EscalationPath;
  readonly role: SynthesizedElevatedRole;
  /** One allowed call per step. */
  readonly allowedCalls: readonly AllowedCall[];
  /** Set when a policy uses something the evaluator does not implement: the path could not be proven closed. */
  readonly unevaluated?: string;
}

/** When the lint's probe session was minted, and the time fence of its grant. */
const GRANTED_AT = new Date('2026-01-01T00:00:00Z');
const CALLED_AT = new Date('2026-01-01T00:01:00Z');
const EXPIRES_AT = new Date('2026-01-01T00:15:00Z');
/** The SourceIdentity the broker sets on every elevated session (the grant's id after the prefix). */
const PROBE_SOURCE_IDENTITY = `${SOURCE_IDENTITY_PREFIX}escalation-lint-probe`;
/** IAM and STS are global services: their requests go to us-east-1. */
const GLOBAL_SERVICES = new Set(['iam', 'sts']);

function fill(template: string, role: SynthesizedElevatedRole): string {
  return template
    .replaceAll('{partition}', role.partition)
    .replaceAll('{account}', role.accountId)
    .replaceAll('{region}', role.region)
    .replaceAll('{brokerBoundary}', role.brokerBoundaryArn);
}

type CallResult = { readonly allowed: true; readonly call: AllowedCall } | { readonly allowed: false } | { readonly unevaluated: string; readonly call: AllowedCall };

function evaluateCall(role: SynthesizedElevatedRole, call: EscalationCall, policies: { identity: PolicyDocument[]; boundary?: PolicyDocument; session: PolicyDocument }): CallResult {
  const resource = fill(call.resource, role);
  const service = call.action.slice(0, call.action.indexOf(':'));
  const context = requestContext(
    {
      kind: 'role-session',
      arn: `arn:${role.partition}:sts::${role.accountId}:assumed-role/${role.iamRoleName}/${PROBE_SOURCE_IDENTITY}`,
      issuedAt: GRANTED_AT,
      sourceIdentity: PROBE_SOURCE_IDENTITY,
    },
    {
      action: call.action,
      region: GLOBAL_SERVICES.has(service) ? 'us-east-1' : role.region,
      at: CALLED_AT,
      ...(call.passedToService ? { passedToService: call.passedToService } : {}),
      ...(call.permissionsBoundary ? { permissionsBoundary: fill(call.permissionsBoundary, role) } : {}),
    },
  );
  try {
    const evaluation = evaluatePolicies(
      { identity: policies.identity, sessionPolicy: policies.session, ...(policies.boundary ? { boundary: policies.boundary } : {}) },
      { principalArn: `arn:${role.partition}:sts::${role.accountId}:assumed-role/${role.iamRoleName}/${PROBE_SOURCE_IDENTITY}`, action: call.action, resource, context },
    );
    return evaluation.decision === 'Allowed' ? { allowed: true, call: { action: call.action, resource } } : { allowed: false };
  } catch (error) {
    if (error instanceof UnsupportedPolicyError) return { unevaluated: error.message, call: { action: call.action, resource } };
    throw error;
  }
}

/** Whether `role` leaves `path` open; undefined when some step is refused. */
export function openPathOf(role: SynthesizedElevatedRole, path: EscalationPath): OpenPath | undefined {
  const policies = {
    identity: role.identityPolicies.map((p) => toPolicyDocument(p.policy)),
    ...(role.boundary !== undefined ? { boundary: toPolicyDocument(role.boundary) } : {}),
    session: toPolicyDocument(JSON.parse(timeFencedSessionPolicy(EXPIRES_AT))),
  };
  const allowedCalls: AllowedCall[] = [];
  let unevaluated: string | undefined;
  for (const step of path.steps) {
    let stepCall: AllowedCall | undefined;
    for (const call of step.anyOf) {
      const result = evaluateCall(role, call, policies);
      if ('unevaluated' in result) {
        // Not proven closed: treated as open (the lint fails closed), the reason kept for the message.
        unevaluated ??= result.unevaluated;
        stepCall ??= result.call;
      } else if (result.allowed) {
        stepCall = result.call;
        break;
      }
    }
    if (!stepCall) return undefined;
    allowedCalls.push(stepCall);
  }
  return { path, role, allowedCalls, ...(unevaluated ? { unevaluated } : {}) };
}

/** Every catalog path each role leaves open. */
export function openPaths(roles: readonly SynthesizedElevatedRole[], catalog: readonly EscalationPath[]): OpenPath[] {
  return roles.flatMap((role) => catalog.map((path) => openPathOf(role, path)).filter((open): open is OpenPath => open !== undefined));
}
