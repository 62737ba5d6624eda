import type { AwsCall, AwsResponse } from '../http/aws-call';
import { AwsError, notEmulated } from '../http/aws-error';
import { jsonInput, jsonOk, jsonOperation } from '../http/protocols';

/** One emulated AWS service: the signing names it answers and how. */
export interface ServiceEmulation {
  /** SigV4 signing names (`secretsmanager`, `dynamodb`, ...). */
  readonly signingNames: readonly string[];
  handle(call: AwsCall): Promise<AwsResponse>;
}

export type JsonOperation = (input: Record<string, unknown>, call: AwsCall) => Promise<unknown> | unknown;

const READ_ONLY = /^(Get|List|Describe|Lookup|Head|Query|Scan|BatchGet)/;

/** Dispatches a JSON-protocol call (`X-Amz-Target`) to one of `operations`. */
export async function handleJson(
  call: AwsCall,
  service: string,
  version: '1.0' | '1.1',
  operations: Readonly<Record<string, JsonOperation>>,
): Promise<AwsResponse> {
  const operation = jsonOperation(call);
  call.note.operation = operation;
  call.note.readOnly = READ_ONLY.test(operation);
  const run = operations[operation];
  if (!run) throw notEmulated(service, operation);
  return jsonOk(await run(jsonInput(call.body), call), version);
}

/** Reads a required string parameter, or answers `ValidationException` naming it. */
export function requiredString(input: Record<string, unknown>, name: string, code = 'ValidationException'): string {
  const value = input[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new AwsError(code, `1 validation error detected: Value at '${name}' failed to satisfy constraint: Member must not be null`, 400);
  }
  return value;
}

export function optionalString(input: Record<string, unknown>, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsError('ValidationException', `Value at '${name}' must be a string`, 400);
  return value;
}

/** JSON protocols carry timestamps as epoch seconds. */
export function epochSeconds(iso: string | Date): number {
  return (typeof iso === 'string' ? Date.parse(iso) : iso.getTime()) / 1000;
}
