import { AwsError } from '../models/aws-error';

export { AwsError };

/** The call is well-formed but asks for something this sandbox does not emulate. */
export function notEmulated(service: string, operation: string): AwsError {
  return new AwsError(
    'UnknownOperationException',
    `The JIT sandbox does not emulate ${service} ${operation}. It serves the APIs the broker, the jit CLI and the agent use (docs/sandbox.md).`,
    400,
  );
}
