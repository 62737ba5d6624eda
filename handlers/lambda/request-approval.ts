import { requestApprovalFunction } from '../functions/request-approval-function';
import { lambdaRuntime } from './runtime';

/** The Lambda entry point of the request-approval function: its factory (`handlers/functions/request-approval-function.ts`) with the Lambda runtime's environment. */
export const handler = requestApprovalFunction(lambdaRuntime('request-approval'));
