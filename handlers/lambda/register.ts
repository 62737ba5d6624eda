import { registerFunction } from '../functions/register-function';
import { lambdaRuntime } from './runtime';

/** The Lambda entry point of the register function: its factory (`handlers/functions/register-function.ts`) with the Lambda runtime's environment. */
export const handler = registerFunction(lambdaRuntime('register'));
