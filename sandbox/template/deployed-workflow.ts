import type { AslDefinition } from '../../workflows/local/asl-definition';
import { type SynthesizedStack, arnOf, prop, resolve, resourcesOfType } from './deployed-template';

/** The broker's state machine as it would be deployed. */
export interface DeployedWorkflow {
  /** The ARN the state machine would have. */
  readonly stateMachineArn: string;
  /**
   * Its `DefinitionString`, intrinsics resolved by the same resolver as every other value of the template,
   * so each function ARN in it is the ARN the loader gives that function (`sandbox/engine/functions.ts`).
   */
  readonly definition: AslDefinition;
}

/** Finds the one state machine of a synthesized stack and makes its definition runnable. */
export function deployedWorkflow(stack: SynthesizedStack): DeployedWorkflow {
  const machines = resourcesOfType(stack, 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`${stack.name}: expected one state machine, found ${machines.length}.`);
  const [logicalId, machine] = machines[0];
  const definitionString = resolve(prop(machine, 'DefinitionString'), stack);
  if (typeof definitionString !== 'string') throw new Error(`${stack.name}: the state machine ${logicalId} has no DefinitionString.`);
  return { stateMachineArn: arnOf(stack, logicalId, machine), definition: JSON.parse(definitionString) as AslDefinition };
}
