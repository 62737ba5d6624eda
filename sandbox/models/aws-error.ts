/**
 * An error answered to an AWS API call, with the code the SDKs map to their exception classes
 * (`ConditionalCheckFailedException`, `TaskTimedOut`, `AccessDeniedException`, ...). Each protocol writes
 * it in its own shape (JSON `__type`, query `<ErrorResponse>`, S3 `<Error>`); the models throw it with the
 * HTTP status AWS documents for the error, and the SDK-mock shells turn it into the SDK's exception shape.
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
