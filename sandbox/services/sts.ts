import type { SandboxClock } from '../clock';
import type { AwsCall, AwsResponse } from '../http/aws-call';
import { AwsError, notEmulated } from '../http/aws-error';
import { queryInput, queryOk } from '../http/protocols';
import { type Authorizer, signerOfCaller } from '../iam/authorizer';
import { ImpossibleRequestError, type Signer, requestContext } from '../iam/request-context';
import type { Identities } from '../iam/identities';
import { type PolicyDocument, evaluatePolicies, toPolicyDocument } from '../iam/policy-evaluator';
import { type SynthesizedStack, asList, prop, resolve, resourcesOfType } from '../template/deployed-template';
import type { ServiceEmulation } from './service';
import { assumedRoleSessionArn } from '../../handlers/core/resource-names';

const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
/** STS refuses session policies above 2,048 characters (PackedPolicyTooLarge). */
const MAX_SESSION_POLICY = 2048;
/** Role chaining caps a session at one hour; the broker's functions assume roles from their own role session. */
const CHAINED_MAX_SECONDS = 3600;
const NAME = /^[\w+=,.@-]{2,64}$/;

interface AssumableRole {
  readonly arn: string;
  readonly trust: PolicyDocument;
  readonly maxSessionSeconds: number;
}

/** The roles the target-account stacks define, with their trust policies. */
export function assumableRoles(targets: Iterable<SynthesizedStack>): Map<string, AssumableRole> {
  const roles = new Map<string, AssumableRole>();
  for (const stack of targets) {
    for (const [, resource] of resourcesOfType(stack, 'AWS::IAM::Role')) {
      const name = prop(resource, 'RoleName');
      if (typeof name !== 'string') continue;
      const arn = `arn:aws:iam::${stack.account}:role/${name}`;
      roles.set(arn, {
        arn,
        trust: toPolicyDocument(resolve(prop(resource, 'AssumeRolePolicyDocument'), stack)),
        maxSessionSeconds: Number(prop(resource, 'MaxSessionDuration') ?? 3600),
      });
    }
  }
  return roles;
}

function validationError(message: string): AwsError {
  return new AwsError('ValidationError', message, 400);
}

/**
 * STS: `GetCallerIdentity` for every known principal (no permission needed, as in AWS), and `AssumeRole`
 * into the roles the target-account stacks define, minting well-formed fake credentials (`ASIA...`) with
 * the service's rules: 900 s minimum, the role's maximum and the one-hour role-chaining cap, session
 * policies up to 2,048 characters, SourceIdentity and session-name formats, and the role's trust policy.
 * The broker's key stands in for the broker role a trust policy names (the mint, audit or revoke role).
 */
export class StsEmulation implements ServiceEmulation {
  readonly signingNames = ['sts'];

  constructor(
    private readonly roles: ReadonlyMap<string, AssumableRole>,
    private readonly identities: Identities,
    private readonly authorizer: Authorizer,
    private readonly clock: SandboxClock,
    private readonly hubAccount: string,
  ) {}

  async handle(call: AwsCall): Promise<AwsResponse> {
    const params = queryInput(call);
    const action = params.get('Action') ?? '';
    call.note.operation = action;
    call.note.readOnly = action === 'GetCallerIdentity';
    switch (action) {
      case 'GetCallerIdentity':
        return queryOk(action, { Arn: call.caller.arn, UserId: call.caller.userId, Account: call.caller.accountId }, STS_NAMESPACE, call.requestId);
      case 'AssumeRole':
        return this.assumeRole(call, params);
      default:
        throw notEmulated('STS', action || '(no Action)');
    }
  }

  private assumeRole(call: AwsCall, params: URLSearchParams): AwsResponse {
    const roleArn = params.get('RoleArn') ?? '';
    const sessionName = params.get('RoleSessionName') ?? '';
    const duration = Number(params.get('DurationSeconds') ?? '3600');
    const sourceIdentity = params.get('SourceIdentity') ?? undefined;
    const policy = params.get('Policy') ?? undefined;
    call.note.requestParameters = { roleArn, roleSessionName: sessionName, durationSeconds: duration, ...(sourceIdentity ? { sourceIdentity } : {}) };
    call.note.resources.push({ type: 'AWS::IAM::Role', name: roleArn });

    if (!NAME.test(sessionName)) throw validationError(`1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
    if (!Number.isInteger(duration) || duration < 900) {
      throw validationError(`1 validation error detected: Value '${params.get('DurationSeconds')}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
    }
    if (sourceIdentity !== undefined && !NAME.test(sourceIdentity)) {
      throw validationError(`1 validation error detected: Value at 'sourceIdentity' failed to satisfy constraint: Member must have length between 2 and 64 and match [\\w+=,.@-]*`);
    }
    if (policy !== undefined && policy.length > MAX_SESSION_POLICY) {
      throw new AwsError('PackedPolicyTooLarge', 'Packed policy consumes more than 100 percent of the allotted space for session policies.', 400);
    }

    // The caller's own policies first: the agent and elevated sessions may not chain into anything.
    this.authorizer.authorize(call, 'sts:AssumeRole', roleArn, sourceIdentity ? { request: { sourceIdentity } } : {});
    // Setting a source identity needs sts:SetSourceIdentity too, on the caller's side as on the role's.
    if (sourceIdentity) this.authorizer.authorize(call, 'sts:SetSourceIdentity', roleArn, { request: { sourceIdentity } });
    const role = this.roles.get(roleArn);
    if (!role) throw new AwsError('AccessDenied', `User: ${call.caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
    this.checkTrust(call, role, sourceIdentity);
    if (duration > role.maxSessionSeconds) throw validationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    if (duration > CHAINED_MAX_SECONDS) throw validationError('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');

    const issuedAt = this.clock.now();
    const expiresAt = new Date(issuedAt.getTime() + duration * 1000);
    const minted = this.identities.mint({
      roleArn,
      sessionName,
      ...(sourceIdentity ? { sourceIdentity } : {}),
      ...(policy ? { sessionPolicy: policy } : {}),
      issuedAt,
      expiresAt,
      issuedBy: call.caller,
    });
    return queryOk(
      'AssumeRole',
      {
        ...(sourceIdentity ? { SourceIdentity: sourceIdentity } : {}),
        AssumedRoleUser: { Arn: minted.caller.arn, AssumedRoleId: minted.caller.userId },
        Credentials: {
          AccessKeyId: minted.accessKeyId,
          SecretAccessKey: minted.secretAccessKey,
          SessionToken: minted.sessionToken,
          Expiration: expiresAt,
        },
        ...(policy ? { PackedPolicySize: Math.ceil((policy.length * 100) / MAX_SESSION_POLICY) } : {}),
      },
      STS_NAMESPACE,
      call.requestId,
    );
  }

  /**
   * Evaluates the role's trust policy with the request context AWS builds for this AssumeRole: the value
   * being set as `sts:SourceIdentity`, and `aws:SourceIdentity` only if the caller's session already has
   * one (sandbox/iam/request-context.ts). The broker's key stands for a session of the broker role the
   * trust names, as the broker's Lambda functions run: a session with no source identity of its own.
   * With a SourceIdentity, AWS also authorizes `sts:SetSourceIdentity` on the role.
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
   */
  private checkTrust(call: AwsCall, role: AssumableRole, sourceIdentity: string | undefined): void {
    const statements = Array.isArray(role.trust.Statement) ? role.trust.Statement : [role.trust.Statement];
    const named = statements.flatMap((s) => asList((s.Principal as { AWS?: unknown } | undefined)?.AWS));
    const now = this.clock.now();
    const brokerRole = named.find((arn) => arn.startsWith(`arn:aws:iam::${this.hubAccount}:role/jit-broker-`));
    const signer: Exclude<Signer, { kind: 'service' }> =
      call.caller.kind === 'broker' && brokerRole
        ? { kind: 'role-session', arn: assumedRoleSessionArn('aws', this.hubAccount, brokerRole.slice(brokerRole.lastIndexOf('/') + 1), 'jit-sandbox-broker'), issuedAt: now }
        : signerOfCaller(call.caller, now);
    const actions = ['sts:AssumeRole', ...(sourceIdentity ? ['sts:SetSourceIdentity'] : [])];
    for (const action of actions) {
      let decision: string;
      try {
        const context = requestContext(signer, { action, region: call.region, at: now, secureTransport: false, ...(sourceIdentity ? { sourceIdentity } : {}) });
        // The caller's own side was authorized in assumeRole (the broker's key stands for the mint role,
        // whose policy the infra tests evaluate); here only the trust policy, the role's side, decides.
        const callerSide = toPolicyDocument({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: role.arn }] });
        decision = evaluatePolicies({ identity: [callerSide], resourcePolicy: role.trust }, { principalArn: signer.arn, action, resource: role.arn, context }).decision;
      } catch (error) {
        if (!(error instanceof ImpossibleRequestError)) throw error;
        decision = 'ImplicitlyDenied';
      }
      if (decision !== 'Allowed') {
        throw new AwsError('AccessDenied', `User: ${call.caller.arn} is not authorized to perform: ${action} on resource: ${role.arn}`, 403);
      }
    }
  }
}
