import { approvalWebFunction } from '../functions/approval-web-function';
import { lambdaRuntime } from './runtime';

/** The Lambda entry point of the approval-web function: its factory (`handlers/functions/approval-web-function.ts`) with the Lambda runtime's environment. */
export const handler = approvalWebFunction(lambdaRuntime('approval-web'));
