/**
 * The parts of an Amazon States Language definition the local runner reads. The definition itself comes
 * from the synthesized template with its intrinsics resolved as deployed (`sandbox/template/deployed-workflow.ts`).
 */

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
