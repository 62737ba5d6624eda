import { notifyFunction } from '../functions/notify-function';
import { lambdaRuntime } from './runtime';

/** The Lambda entry point of the notify function: its factory (`handlers/functions/notify-function.ts`) with the Lambda runtime's environment. */
export const handler = notifyFunction(lambdaRuntime('notify'));
