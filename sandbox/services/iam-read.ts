import type { AwsCall, AwsResponse } from '../http/aws-call';
import { AwsError } from '../http/aws-error';
import { queryInput, queryOk } from '../http/protocols';
import type { Authorizer, InlineRolePolicies } from '../iam/authorizer';
import { type ContextValue, type Decision, type PolicyDocument, evaluatePolicies, toPolicyDocument, UnsupportedPolicyError } from '../iam/policy-evaluator';
import { type SynthesizedStack, identityPoliciesOf, principalLogicalId, prop, resolve, resourcesOfType } from '../template/deployed-template';
import type { ServiceEmulation } from './service';

const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

/** SimulatePrincipalPolicy's `EvalDecision` values. */
const EVAL_DECISION: Readonly<Record<Decision, string>> = { Allowed: 'allowed', ImplicitlyDenied: 'implicitDeny', ExplicitlyDenied: 'explicitDeny' };

/** `Name.member.N` values of a query-protocol list, in order. */
function members(params: URLSearchParams, name: string): string[] {
  const values: string[] = [];
  for (let i = 1; params.has(`${name}.member.${i}`); i++) values.push(params.get(`${name}.member.${i}`) ?? '');
  return values;
}

/**
 * IAM reads of the hub's own callers over the roles and users the installation deploys: GetRole (with its
 * trust policy URL-encoded, as IAM returns it) and SimulatePrincipalPolicy, evaluated with the sandbox's
 * policy evaluator on the principal's identity policies (plus the sandbox IAM's inline role policies: the
 * revocation denies) and only the context entries the caller supplies, as IAM's simulator does. Like IAM's,
 * the simulation includes no resource policy unless given one (this emulation takes none) and no SCPs.
 * Other IAM calls go to the fallback (authorized, recorded, no resources).
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html
 */
export class IamReadEmulation implements ServiceEmulation {
  readonly signingNames = ['iam'];

  constructor(
    private readonly stacks: readonly SynthesizedStack[],
    private readonly inline: InlineRolePolicies,
    private readonly authorizer: Authorizer,
    private readonly fallback: ServiceEmulation,
  ) {}

  async handle(call: AwsCall): Promise<AwsResponse> {
    const params = queryInput(call);
    const action = params.get('Action') ?? '';
    if (action === 'GetRole') return this.getRole(call, params);
    if (action === 'SimulatePrincipalPolicy') return this.simulate(call, params);
    return this.fallback.handle(call);
  }

  private stacksOf(account: string): SynthesizedStack[] {
    return this.stacks.filter((s) => s.account === account);
  }

  private getRole(call: AwsCall, params: URLSearchParams): AwsResponse {
    call.note.operation = 'GetRole';
    call.note.readOnly = true;
    const roleName = params.get('RoleName') ?? '';
    const account = call.caller.accountId;
    const arn = `arn:aws:iam::${account}:role/${roleName}`;
    call.note.requestParameters = { roleName };
    call.note.resources.push({ type: 'AWS::IAM::Role', name: arn });
    this.authorizer.authorize(call, 'iam:GetRole', arn);
    for (const stack of this.stacksOf(account)) {
      const found = resourcesOfType(stack, 'AWS::IAM::Role').find(([, r]) => prop(r, 'RoleName') === roleName);
      if (!found) continue;
      const [, role] = found;
      const trust = JSON.stringify(resolve(prop(role, 'AssumeRolePolicyDocument'), stack));
      return queryOk(
        'GetRole',
        {
          Role: {
            Path: String(prop(role, 'Path') ?? '/'),
            RoleName: roleName,
            RoleId: `AROA${Buffer.from(arn).toString('base64').replace(/[^A-Z0-9]/g, '').slice(0, 17).padEnd(17, 'X')}`,
            Arn: arn,
            CreateDate: new Date(0),
            // IAM returns policy documents URL-encoded (RFC 3986).
            AssumeRolePolicyDocument: encodeURIComponent(trust),
            Description: prop(role, 'Description') as string | undefined,
            MaxSessionDuration: Number(prop(role, 'MaxSessionDuration') ?? 3600),
          },
        },
        IAM_NAMESPACE,
        call.requestId,
      );
    }
    throw new AwsError('NoSuchEntity', `The role with name ${roleName} cannot be found.`, 404);
  }

  private policiesOf(account: string, kind: 'role' | 'user', name: string): PolicyDocument[] | undefined {
    for (const stack of this.stacksOf(account)) {
      let logicalId: string;
      try {
        logicalId = principalLogicalId(stack, kind, name);
      } catch {
        continue;
      }
      const own = identityPoliciesOf(stack, logicalId).map((p) => toPolicyDocument(p.policy));
      return kind === 'role' ? [...own, ...this.inline.policiesOf(account, name)] : own;
    }
    return undefined;
  }

  private simulate(call: AwsCall, params: URLSearchParams): AwsResponse {
    call.note.operation = 'SimulatePrincipalPolicy';
    call.note.readOnly = true;
    const source = params.get('PolicySourceArn') ?? '';
    call.note.requestParameters = { policySourceArn: source };
    this.authorizer.authorize(call, 'iam:SimulatePrincipalPolicy', source);
    const m = /^arn:aws:iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/.exec(source);
    if (!m) throw new AwsError('InvalidInput', `Invalid PolicySourceArn: ${source}`, 400);
    const [, account, kind, name] = m;
    if (account !== call.caller.accountId) throw new AwsError('NoSuchEntity', `The ${kind} with name ${name} cannot be found.`, 404);
    const identity = this.policiesOf(account, kind as 'role' | 'user', name);
    if (!identity) throw new AwsError('NoSuchEntity', `The ${kind} with name ${name} cannot be found.`, 404);
    const actions = members(params, 'ActionNames');
    if (actions.length === 0) throw new AwsError('ValidationError', "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null", 400);
    const resources = members(params, 'ResourceArns');
    const context: Record<string, ContextValue> = {};
    for (let i = 1; params.has(`ContextEntries.member.${i}.ContextKeyName`); i++) {
      const key = params.get(`ContextEntries.member.${i}.ContextKeyName`) ?? '';
      const values = members(params, `ContextEntries.member.${i}.ContextKeyValues`);
      const type = params.get(`ContextEntries.member.${i}.ContextKeyType`) ?? 'string';
      context[key] = type.endsWith('List') ? values : (values[0] ?? '');
    }
    const results = [];
    for (const action of actions) {
      for (const resource of resources.length > 0 ? resources : ['*']) {
        let decision: Decision;
        try {
          decision = evaluatePolicies({ identity }, { principalArn: source, action, resource, context }).decision;
        } catch (error) {
          if (!(error instanceof UnsupportedPolicyError)) throw error;
          throw new AwsError('PolicyEvaluation', `The sandbox cannot evaluate ${source}'s policies: ${error.message}`, 500);
        }
        results.push({ EvalActionName: action, EvalResourceName: resource, EvalDecision: EVAL_DECISION[decision], MatchedStatements: [], MissingContextValues: [] });
      }
    }
    return queryOk('SimulatePrincipalPolicy', { EvaluationResults: results, IsTruncated: false }, IAM_NAMESPACE, call.requestId);
  }
}
