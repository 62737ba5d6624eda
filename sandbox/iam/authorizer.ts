import { agentNameOf, agentsOf } from '../../infra/config/load-config';
import { BROKER_NAMES } from '../../handlers/core/resource-names';
import type { SandboxClock } from '../clock';
import { AwsError } from '../http/aws-error';
import type { AwsCall } from '../http/aws-call';
import { protocolOf } from '../http/protocols';
import { identityPoliciesOf, identityPoliciesOfRole, managedPolicyNamed, principalLogicalId } from '../template/deployed-template';
import type { SynthesizedInstallation } from '../template/installation';
import type { Caller } from './caller';
import { ImpossibleRequestError } from './request-context';
import { type RequestContext, type RequestParameters, type Signer, requestContext } from './request-context';
import {
  type Evaluation,
  type PolicyDocument,
  type PolicySet,
  UnsupportedPolicyError,
  evaluatePolicies,
  toPolicyDocument,
} from './policy-evaluator';

/** Inline policies the sandbox's IAM holds on roles (the early-revoke denies). */
export interface InlineRolePolicies {
  policiesOf(accountId: string, roleName: string): PolicyDocument[];
}

export interface AuthorizeOptions {
  /** The resource's own policy (a secret's), evaluated with the caller's. */
  readonly resourcePolicy?: PolicyDocument;
  /** The call's parameters that AWS turns into condition keys (`events:source`, `iam:PassedToService`, ...). */
  readonly request?: RequestParameters;
}

/**
 * Answers "may this caller do this?" the way IAM would, from the policies the installation deploys:
 *
 * - the agent: its standing policy from the synthesized broker stack (docs/security-model.md);
 * - the approver: the `jit-approver` and `jit-auditor` managed policies;
 * - a minted session: its role's policies from the synthesized target-account stack (the role's policy
 *   file and the deny-always ceiling), the role's inline policies (revocation denies), and the session
 *   policy it was minted with (the time fence), at the sandbox's `aws:CurrentTime`;
 * - the broker's key: trusted; it stands in for the broker's function roles, whose policies are
 *   verified by the infra tests instead.
 */
export class Authorizer {
  /** Each configured agent's standing policies, by agent id. */
  private readonly agentPolicies = new Map<string, PolicyDocument[]>();
  private readonly approverPolicies: PolicyDocument[];

  constructor(
    private readonly installation: SynthesizedInstallation,
    private readonly inline: InlineRolePolicies,
    private readonly clock: SandboxClock,
  ) {
    const { broker, loaded } = installation;
    for (const agent of agentsOf(loaded.config)) {
      this.agentPolicies.set(agent.id, identityPoliciesOf(broker, principalLogicalId(broker, agent.kind, agentNameOf(agent))).map((p) => toPolicyDocument(p.policy)));
    }
    // The sandbox's approver also reads the audit reports: it holds both managed policies (docs/sandbox.md).
    this.approverPolicies = [BROKER_NAMES.approverPolicy, BROKER_NAMES.auditorPolicy].map((name) => toPolicyDocument(managedPolicyNamed(broker, name)));
  }

  /** The identity-side policies of a caller; undefined for the trusted broker key. */
  policiesOf(caller: Caller): PolicySet | undefined {
    switch (caller.kind) {
      case 'broker':
        return undefined;
      case 'agent':
        // An agent key the config does not name holds no policy: everything is implicitly denied.
        return { identity: this.agentPolicies.get(caller.agentId ?? '') ?? [] };
      case 'approver':
        return { identity: this.approverPolicies };
      case 'session': {
        const target = this.installation.targets.get(caller.accountId);
        let rolePolicies: PolicyDocument[] = [];
        try {
          rolePolicies = target ? identityPoliciesOfRole(target, caller.roleName).map((p) => toPolicyDocument(p.policy)) : [];
        } catch {
          rolePolicies = [];
        }
        return {
          identity: [...rolePolicies, ...this.inline.policiesOf(caller.accountId, caller.roleName)],
          ...(caller.sessionPolicy ? { sessionPolicy: toPolicyDocument(JSON.parse(caller.sessionPolicy)) } : {}),
        };
      }
    }
  }

  /**
   * The request context AWS would build for this caller's call now (sandbox/iam/request-context.ts).
   * `aws:SecureTransport` is false: the sandbox is plain HTTP on 127.0.0.1, and a policy that requires TLS
   * refuses it, as AWS would refuse a plain-HTTP call.
   */
  contextOf(caller: Caller, action: string, region: string, request: RequestParameters = {}): RequestContext {
    return requestContext(signerOfCaller(caller, this.clock.now()), { action, region, at: this.clock.now(), secureTransport: false, ...request });
  }

  evaluate(caller: Caller, action: string, resource: string | undefined, region: string, options: AuthorizeOptions = {}): Evaluation {
    const policies = this.policiesOf(caller);
    if (!policies) return { decision: 'Allowed' };
    return evaluatePolicies(
      { ...policies, ...(options.resourcePolicy ? { resourcePolicy: options.resourcePolicy } : {}) },
      { principalArn: caller.arn, action, resource, context: this.contextOf(caller, action, region, options.request) },
    );
  }

  /**
   * Throws the AccessDenied error AWS would answer, worded as AWS words it, unless the call is allowed.
   * A policy the evaluator cannot read denies (fail closed) and says so.
   */
  authorize(call: AwsCall, action: string, resource: string | undefined, options: AuthorizeOptions = {}): void {
    let evaluation: Evaluation;
    const named = resource ?? 'the resource this call names (the sandbox cannot tell which: it answered as for the most restricted one)';
    try {
      evaluation = this.evaluate(call.caller, action, resource, call.region, options);
    } catch (error) {
      if (error instanceof ImpossibleRequestError) throw new AwsError('ValidationError', error.message, 400);
      if (!(error instanceof UnsupportedPolicyError)) throw error;
      throw this.denied(call, `User: ${call.caller.arn} is not authorized to perform: ${action} on resource: ${named}: ${error.message}`);
    }
    call.note.evaluations.push({ action, resource: resource ?? '(unknown)', decision: evaluation.decision });
    if (evaluation.decision === 'Allowed') return;
    const where =
      evaluation.decision === 'ExplicitlyDenied'
        ? `with an explicit deny in ${evaluation.deniedIn === 'resource' ? 'a resource-based policy' : evaluation.deniedIn === 'session' ? 'a session policy' : evaluation.deniedIn === 'boundary' ? 'a permissions boundary' : 'an identity-based policy'}`
        : `because no ${evaluation.missingAllowIn === 'session' ? 'session policy' : evaluation.missingAllowIn === 'boundary' ? 'permissions boundary' : evaluation.missingAllowIn === 'resource' ? 'resource-based policy' : 'identity-based policy'} allows the ${action} action`;
    throw this.denied(call, `User: ${call.caller.arn} is not authorized to perform: ${action} on resource: ${named} ${where}`);
  }

  private denied(call: AwsCall, message: string): AwsError {
    const protocol = protocolOf(call.service, call);
    return new AwsError(protocol === 'json' || protocol === 'rest-json' ? 'AccessDeniedException' : 'AccessDenied', message, 403);
  }
}

/** The signer AWS would see behind a sandbox caller (the broker's key aside: see StsEmulation). */
export function signerOfCaller(caller: Caller, now: Date): Exclude<Signer, { kind: 'service' }> {
  if (caller.kind === 'session') {
    return {
      kind: 'role-session',
      arn: caller.arn,
      issuedAt: caller.issuedAt,
      roleId: caller.userId.split(':')[0],
      ...(caller.sourceIdentity ? { sourceIdentity: caller.sourceIdentity } : {}),
    };
  }
  if (caller.identityType === 'AssumedRole') {
    // The agent configured as a role: the sandbox's key stands for a session of it, issued (as far as the
    // sandbox knows) now; no policy here conditions on its issue time.
    return { kind: 'role-session', arn: caller.arn, issuedAt: now, roleId: caller.userId.split(':')[0] };
  }
  return { kind: 'user', arn: caller.arn };
}
