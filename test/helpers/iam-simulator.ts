import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { IamDocument, NamedPolicy } from './iam-template';

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

export interface EvaluateInput {
  /** ARN of the caller: a role or user, or an assumed-role session. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** Account that owns the resource. @default the principal's account */
  readonly resourceAccount?: string;
  readonly identityPolicies: readonly NamedPolicy[];
  readonly resourcePolicy?: IamDocument;
  readonly sessionPolicy?: IamDocument | string;
  readonly permissionsBoundary?: IamDocument;
  /** Request context keys, passed explicitly (the simulator infers none). */
  readonly context?: Record<string, string | string[]>;
}

function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/**
 * Evaluates one request with `@cloud-copilot/iam-simulate` in strict mode. A simulation the library
 * cannot run (an unknown action, a resource ARN of the wrong type, a context key the action does not
 * take) throws instead of passing as a denial, so every assertion is about a real evaluation.
 */
export async function evaluate(input: EvaluateInput): Promise<Decision> {
  const simulation: Simulation = {
    request: {
      principal: input.principal,
      action: input.action,
      resource: { resource: input.resource, accountId: input.resourceAccount ?? accountOf(input.principal) },
      contextVariables: { ...input.context },
    },
    identityPolicies: input.identityPolicies.map((p) => ({ name: p.name, policy: p.policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
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
  return result.overallResult as Decision;
}
