import { auditFunction } from '../functions/audit-function';
import { lambdaRuntime } from './runtime';

/** The Lambda entry point of the audit function: its factory (`handlers/functions/audit-function.ts`) with the Lambda runtime's environment. */
export const handler = auditFunction(lambdaRuntime('audit'));
