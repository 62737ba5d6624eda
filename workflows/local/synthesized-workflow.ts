/**
 * Turns the synthesized CloudFormation of the broker stack into a runnable Amazon States Language
 * definition: the state machine's `DefinitionString` with `Fn::Join`, `Fn::GetAtt` and `Ref` resolved
 * to stand-in ARNs, plus which handler module each function ARN belongs to. The tests and the local
 * sandbox run exactly what would be deployed.
 */

export interface CfnTemplate {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>;
}

export interface SynthesizedWorkflow {
  /** The runnable ASL definition. */
  readonly definition: AslDefinition;
  /** Stand-in function ARN → handler module name under `handlers/lambda/` (e.g. `mint`). */
  readonly functionEntries: ReadonlyMap<string, string>;
}

export interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly TimeoutSeconds?: number;
  readonly [key: string]: unknown;
}

export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
  readonly TimeoutSeconds?: number;
  readonly [key: string]: unknown;
}

export interface IntrinsicContext {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

const PSEUDO_PARAMETERS = (ctx: IntrinsicContext): Record<string, string> => ({
  'AWS::Partition': ctx.partition,
  'AWS::Region': ctx.region,
  'AWS::AccountId': ctx.accountId,
  'AWS::URLSuffix': 'amazonaws.com',
});

/** The stand-in ARN a resource gets in a local run: deterministic, and recognisable in output. */
export function standInArn(logicalId: string, type: string, ctx: IntrinsicContext): string {
  switch (type) {
    case 'AWS::Lambda::Function':
      return `arn:${ctx.partition}:lambda:${ctx.region}:${ctx.accountId}:function:${logicalId}`;
    case 'AWS::Events::EventBus':
      return `arn:${ctx.partition}:events:${ctx.region}:${ctx.accountId}:event-bus/${logicalId}`;
    default:
      return `arn:${ctx.partition}:local:${ctx.region}:${ctx.accountId}:${logicalId}`;
  }
}

/** Resolves the CloudFormation intrinsics that occur in a state machine definition. */
export function resolveIntrinsics(value: unknown, template: CfnTemplate, ctx: IntrinsicContext): unknown {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, template, ctx));
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [key] = keys;
    const arg = obj[key];
    if (key === 'Fn::Join') {
      const [sep, parts] = arg as [string, unknown[]];
      return parts.map((p) => String(resolveIntrinsics(p, template, ctx))).join(sep);
    }
    if (key === 'Ref') {
      const name = arg as string;
      const pseudo = PSEUDO_PARAMETERS(ctx)[name];
      if (pseudo) return pseudo;
      const resource = template.Resources[name];
      if (!resource) throw new Error(`Ref to unknown resource ${name}`);
      return standInArn(name, resource.Type, ctx);
    }
    if (key === 'Fn::GetAtt') {
      const [logicalId, attribute] = arg as [string, string];
      const resource = template.Resources[logicalId];
      if (!resource) throw new Error(`Fn::GetAtt on unknown resource ${logicalId}`);
      if (attribute === 'ApiEndpoint' && resource.Type === 'AWS::ApiGatewayV2::Api') {
        return `https://${logicalId.toLowerCase()}.execute-api.${ctx.region}.amazonaws.com`;
      }
      if (attribute !== 'Arn') throw new Error(`Fn::GetAtt ${logicalId}.${attribute} is not supported locally`);
      return standInArn(logicalId, resource.Type, ctx);
    }
    if (key.startsWith('Fn::')) throw new Error(`Intrinsic ${key} is not supported locally`);
  }
  return Object.fromEntries(keys.map((k) => [k, resolveIntrinsics(obj[k], template, ctx)]));
}

/** Finds the broker's state machine in a synthesized template and makes it runnable. */
export function synthesizedWorkflow(template: CfnTemplate, ctx: IntrinsicContext): SynthesizedWorkflow {
  const machines = Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`Expected one state machine in the template, found ${machines.length}.`);
  const definitionString = resolveIntrinsics(machines[0].Properties?.DefinitionString, template, ctx);
  if (typeof definitionString !== 'string') throw new Error('The state machine has no DefinitionString.');

  const functionEntries = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const env = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    const entry = env?.JIT_FUNCTION;
    if (typeof entry === 'string') functionEntries.set(standInArn(logicalId, resource.Type, ctx), entry);
  }
  return { definition: JSON.parse(definitionString) as AslDefinition, functionEntries };
}
