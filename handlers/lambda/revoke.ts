import { revokeFunction } from '../functions/revoke-function';
import { lambdaRuntime } from './runtime';

/** The Lambda entry point of the revoke function: its factory (`handlers/functions/revoke-function.ts`) with the Lambda runtime's environment. */
export const handler = revokeFunction(lambdaRuntime('revoke'));
