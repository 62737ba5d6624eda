import { join } from 'node:path';
import type { AwsCall, AwsResponse } from '../http/aws-call';
import { AwsError } from '../http/aws-error';
import { queryInput, queryOk } from '../http/protocols';
import type { Authorizer, InlineRolePolicies } from '../iam/authorizer';
import { type PolicyDocument, toPolicyDocument, UnsupportedPolicyError } from '../iam/policy-evaluator';
import { JsonFile } from '../store/json-file';
import type { ServiceEmulation } from './service';

const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';
/** IAM allows 10,240 characters of inline policies per role in total. */
const MAX_INLINE_CHARS = 10_240;

/** Inline policies by account, role and policy name. */
type Store = Record<string, Record<string, Record<string, string>>>;

/**
 * IAM's inline role policies in the target accounts — PutRolePolicy, GetRolePolicy, DeleteRolePolicy,
 * ListRolePolicies — which is how early revoke denies a grant's SourceIdentity (invariant 8, docs/security-invariants.md). The
 * authorizer evaluates these policies with the role's own, so a revoked session is denied from the next
 * call on (AWS takes up to a few minutes; the sandbox applies it at once). Kept in `$JIT_HOME/iam.json`.
 * Other IAM calls from minted sessions are answered by the target-account emulation (allowed or denied,
 * recorded, no resources).
 */
export class IamEmulation implements InlineRolePolicies, ServiceEmulation {
  readonly signingNames = ['iam'];
  private readonly store: JsonFile<Store>;
  private authorizer?: Authorizer;
  private fallback?: ServiceEmulation;

  constructor(
    home: string,
    private readonly knownRoles: (accountId: string, roleName: string) => boolean,
  ) {
    this.store = new JsonFile(join(home, 'iam.json'), () => ({}));
  }

  /** The authorizer reads this store, and this store's calls are authorized by it. */
  useAuthorizer(authorizer: Authorizer, fallback: ServiceEmulation): void {
    this.authorizer = authorizer;
    this.fallback = fallback;
  }

  policiesOf(accountId: string, roleName: string): PolicyDocument[] {
    return Object.values(this.store.get()[accountId]?.[roleName] ?? {}).map((text) => toPolicyDocument(JSON.parse(text)));
  }

  handles(action: string): boolean {
    return ['PutRolePolicy', 'GetRolePolicy', 'DeleteRolePolicy', 'ListRolePolicies'].includes(action);
  }

  async handle(call: AwsCall): Promise<AwsResponse> {
    const params = queryInput(call);
    const action = params.get('Action') ?? '';
    if (!this.handles(action) && this.fallback) return this.fallback.handle(call);
    call.note.operation = action;
    call.note.readOnly = action.startsWith('Get') || action.startsWith('List');
    const roleName = params.get('RoleName') ?? '';
    const account = call.caller.accountId;
    const roleArn = `arn:aws:iam::${account}:role/${roleName}`;
    call.note.resources.push({ type: 'AWS::IAM::Role', name: roleArn });
    const policyName = params.get('PolicyName') ?? '';
    call.note.requestParameters = { roleName, ...(policyName ? { policyName } : {}) };
    this.authorizer?.authorize(call, `iam:${action}`, roleArn);
    if (!this.knownRoles(account, roleName)) throw new AwsError('NoSuchEntity', `The role with name ${roleName} cannot be found.`, 404);
    const policies = this.store.get()[account]?.[roleName] ?? {};
    switch (action) {
      case 'PutRolePolicy': {
        const document = params.get('PolicyDocument') ?? '';
        try {
          toPolicyDocument(JSON.parse(document));
        } catch (error) {
          if (error instanceof SyntaxError || error instanceof UnsupportedPolicyError) throw new AwsError('MalformedPolicyDocument', `The policy document is not valid: ${error.message}`, 400);
          throw error;
        }
        const total = Object.entries(policies).reduce((n, [name, text]) => n + (name === policyName ? 0 : text.length), 0) + document.length;
        if (total > MAX_INLINE_CHARS) throw new AwsError('LimitExceeded', `Maximum policy size of ${MAX_INLINE_CHARS} bytes exceeded for role ${roleName}`, 409);
        this.store.update((all) => {
          ((all[account] ??= {})[roleName] ??= {})[policyName] = document;
        });
        return queryOk(action, {}, IAM_NAMESPACE, call.requestId);
      }
      case 'GetRolePolicy': {
        const document = policies[policyName];
        if (document === undefined) throw new AwsError('NoSuchEntity', `The role policy with name ${policyName} cannot be found.`, 404);
        return queryOk(action, { RoleName: roleName, PolicyName: policyName, PolicyDocument: encodeURIComponent(document) }, IAM_NAMESPACE, call.requestId);
      }
      case 'DeleteRolePolicy': {
        if (policies[policyName] === undefined) throw new AwsError('NoSuchEntity', `The role policy with name ${policyName} cannot be found.`, 404);
        this.store.update((all) => {
          delete all[account][roleName][policyName];
        });
        return queryOk(action, {}, IAM_NAMESPACE, call.requestId);
      }
      default:
        return queryOk(action, { PolicyNames: Object.keys(policies), IsTruncated: false }, IAM_NAMESPACE, call.requestId);
    }
  }
}
