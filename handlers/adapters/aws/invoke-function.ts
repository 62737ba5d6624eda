import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

/** What a synchronous Invoke returned: the function's JSON answer, or the error it raised. */
export type InvocationResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string };

/**
 * Invokes a function synchronously with a JSON payload. A function error does not throw from the SDK
 * (Invoke sets `FunctionError` and puts the error in the payload); it comes back as `ok: false` with
 * `errorType: errorMessage`, bounded, for the caller to wrap in its own error.
 */
export async function invokeFunction(client: LambdaClient, functionName: string, payload: unknown): Promise<InvocationResult> {
  const result = await client.send(
    new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(payload)) }),
  );
  const text = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
  if (!result.FunctionError) return { ok: true, text };
  let message = text;
  try {
    const error = JSON.parse(text) as { errorType?: string; errorMessage?: string };
    message = `${error.errorType ?? 'Error'}: ${error.errorMessage ?? ''}`;
  } catch {
    // Not the runtime's error shape: keep the raw text.
  }
  return { ok: false, message: message.slice(0, 500) };
}
