/**
 * An error answered to an AWS API call, with the code the SDKs map to their exception classes
 * (`ConditionalCheckFailedException`, `TaskTimedOut`, `AccessDeniedException`, ...). Each protocol writes
 * it in its own shape (JSON `__type`, query `<ErrorResponse>`, S3 `<Error>`).
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'AwsError';
  }

  /** Server-side faults are the service's, the rest the caller's (the query protocol's `Type`). */
  get fault(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

/** The call is well-formed but asks for something this sandbox does not emulate. */
export function notEmulated(service: string, operation: string): AwsError {
  return new AwsError(
    'UnknownOperationException',
    `The JIT sandbox does not emulate ${service} ${operation}. It serves the APIs the broker, the jit CLI and the agent use (docs/sandbox.md).`,
    400,
  );
}
