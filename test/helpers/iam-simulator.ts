import { runSimulation, type Simulation, type SimulationOrgPolicies } from '@cloud-copilot/iam-simulate';
import { type RequestContext, type RequestParameters, requestContext, signerOf } from '../../sandbox/iam/request-context';
import type { IamDocument, NamedPolicy } from './iam-template';

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** When a test does not say: inside every grant window the tests use. */
export const DEFAULT_TIME = '2026-03-01T10:02:00Z';

export type { RequestParameters };

export interface EvaluateInput {
  /** ARN that signs the request: an IAM user, or an assumed-role session (never a role itself). */
  readonly principal: string;
  /** For a role session: its source identity, if it was assumed with one, and when it was issued. */
  readonly session?: { readonly sourceIdentity?: string; readonly issuedAt?: string };
  readonly action: string;
  readonly resource: string;
  /** Account that owns the resource. @default the principal's account */
  readonly resourceAccount?: string;
  /** Region called. @default the resource ARN's region, else us-east-1 */
  readonly region?: string;
  /** `aws:CurrentTime`. @default DEFAULT_TIME */
  readonly at?: string;
  /** Parameters of the call that AWS turns into condition keys (PassRole's service, PutEvents' sources...). */
  readonly request?: RequestParameters;
  readonly identityPolicies: readonly NamedPolicy[];
  readonly resourcePolicy?: IamDocument;
  readonly sessionPolicy?: IamDocument | string;
  readonly permissionsBoundary?: IamDocument;
  /** Organization policies, root first: SCPs over the principal's account, RCPs over the resource's. */
  readonly serviceControlPolicies?: readonly SimulationOrgPolicies[];
  readonly resourceControlPolicies?: readonly SimulationOrgPolicies[];
  /**
   * The organization of the principal's account: AWS puts `aws:PrincipalOrgID` in the context only when
   * the account is in one, which the request context cannot know from the ARN.
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
   */
  readonly principalOrgId?: string;
}

function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/** The context AWS builds for an evaluation input (what `evaluate` passes to the simulator). */
export function contextOf(input: Omit<EvaluateInput, 'identityPolicies'>): RequestContext {
  const at = input.at ?? DEFAULT_TIME;
  const region = input.region ?? (input.resource.split(':')[3] || 'us-east-1');
  const signer = signerOf(input.principal, { issuedAt: input.session?.issuedAt ?? at, ...input.session });
  return requestContext(signer, { action: input.action, region, at, ...input.request });
}

/**
 * Evaluates one request with `@cloud-copilot/iam-simulate` in strict mode, with the request context AWS
 * would build (sandbox/iam/request-context.ts). A simulation the library cannot run (an unknown action,
 * a resource ARN of the wrong type) throws instead of passing as a denial, and so does a context key the
 * simulator ignores because the action does not take it: every assertion is about a real evaluation.
 */
export async function evaluate(input: EvaluateInput): Promise<Decision> {
  const context = { ...contextOf(input), ...(input.principalOrgId ? { 'aws:PrincipalOrgID': input.principalOrgId } : {}) };
  const simulation: Simulation = {
    request: {
      principal: input.principal,
      action: input.action,
      resource: { resource: input.resource, accountId: input.resourceAccount ?? accountOf(input.principal) },
      contextVariables: Object.fromEntries(Object.entries(context).map(([k, v]) => [k, typeof v === 'string' ? v : [...v]])),
    },
    identityPolicies: input.identityPolicies.map((p) => ({ name: p.name, policy: p.policy })),
    serviceControlPolicies: [...(input.serviceControlPolicies ?? [])],
    resourceControlPolicies: [...(input.resourceControlPolicies ?? [])],
    ...(input.resourcePolicy ? { resourcePolicy: input.resourcePolicy } : {}),
    ...(input.sessionPolicy
      ? { sessionPolicy: typeof input.sessionPolicy === 'string' ? JSON.parse(input.sessionPolicy) : input.sessionPolicy }
      : {}),
    ...(input.permissionsBoundary ? { permissionBoundaryPolicies: [{ name: 'boundary', policy: input.permissionsBoundary }] } : {}),
  };
  const result = await runSimulation(simulation, { simulationMode: 'Strict' });
  if (result.resultType === 'error') {
    throw new Error(`Simulation of ${input.action} on ${input.resource} could not run: ${JSON.stringify(result.errors)}`);
  }
  const ignored =
    result.resultType === 'single' ? result.result.ignoredContextKeys : [...new Set(result.results.flatMap((r) => r.ignoredContextKeys ?? []))];
  if ((ignored ?? []).length > 0) {
    throw new Error(`${input.action} takes no ${(ignored ?? []).join(', ')}: the context of this test is not one AWS would build.`);
  }
  return result.overallResult as Decision;
}
