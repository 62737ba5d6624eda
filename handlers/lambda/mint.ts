import { mintFunction } from '../functions/mint-function';
import { lambdaRuntime } from './runtime';

/** The Lambda entry point of the mint function: its factory (`handlers/functions/mint-function.ts`) with the Lambda runtime's environment. */
export const handler = mintFunction(lambdaRuntime('mint'));
