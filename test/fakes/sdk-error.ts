import { AwsError } from '../../sandbox/models/aws-error';

/**
 * The error an SDK v3 client rejects with when AWS answers `error`: `name` is the error code (what
 * `instanceof`-free checks and the adapters read) and `$metadata` carries the HTTP status.
 */
export function sdkError(error: AwsError): Error {
  return Object.assign(new Error(error.message), { name: error.code, $metadata: { httpStatusCode: error.status } });
}

/** Runs a model operation for an aws-sdk-client-mock fake: a model's AwsError becomes the SDK's error. */
export function asSdkCall<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    throw error instanceof AwsError ? sdkError(error) : error;
  }
}
