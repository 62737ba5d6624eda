import { reconcileFunction } from '../functions/reconcile-function';
import { lambdaRuntime } from './runtime';

/** The Lambda entry point of the decision reconciler: its factory (`handlers/functions/reconcile-function.ts`) with the Lambda runtime's environment. */
export const handler = reconcileFunction(lambdaRuntime('reconcile'));
