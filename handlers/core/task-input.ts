import type { z } from 'zod';
import { MalformedTaskInputError } from './errors';

/**
 * Validates what a task was handed, once, at the edge: the Lambda wrapper (`taskHandler` in
 * `handlers/lambda/runtime.ts`) with each use case's input schema, and a use case for data it reads back
 * from the store. Input that does not fit did not come from the state machine we deploy (a bug or a
 * tampered call): it is refused with `MalformedTaskInputError`, the name the workflow sees, and nothing runs.
 *
 * @param task the task's name, as the error message and the logs say it (`mint`, `reset`, ...).
 * @param what what is parsed when it is not the task input itself, e.g. `issuedCredentials of req-1`.
 */
export function parseTaskInput<S extends z.ZodType>(task: string, schema: S, input: unknown, what?: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new MalformedTaskInputError(task, what ? `${what}: ${parsed.error.message}` : parsed.error.message);
  return parsed.data;
}
