import { AwsError } from '../../sandbox/models/aws-error';

type ExceptionClass = new (options: { message: string; $metadata: { httpStatusCode: number } }) => Error;

/**
 * The error an SDK v3 client rejects with when AWS answers `error`: an instance of the client's exception
 * class of that name where `exceptions` (the client package, e.g. `@aws-sdk/client-secrets-manager`) has
 * one, so `instanceof` checks work; else an Error whose `name` is the code. `$metadata` carries the
 * HTTP status.
 */
export function sdkError(error: AwsError, exceptions: object = {}): Error {
  const options = { message: error.message, $metadata: { httpStatusCode: error.status } };
  const exception = (exceptions as Record<string, unknown>)[error.code];
  if (typeof exception === 'function') return new (exception as ExceptionClass)(options);
  return Object.assign(new Error(error.message), { name: error.code, $metadata: options.$metadata });
}

/** Runs a model operation for an aws-sdk-client-mock fake: a model's AwsError becomes the SDK's error. */
export function asSdkCall<T>(operation: () => T, exceptions: object = {}): T {
  try {
    return operation();
  } catch (error) {
    throw error instanceof AwsError ? sdkError(error, exceptions) : error;
  }
}
