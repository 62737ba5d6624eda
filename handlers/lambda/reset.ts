import { resetFunction } from '../functions/reset-function';
import { lambdaRuntime } from './runtime';

/** The Lambda entry point of the reset function: its factory (`handlers/functions/reset-function.ts`) with the Lambda runtime's environment. */
export const handler = resetFunction(lambdaRuntime('reset'));
