import { slackInteractionsFunction } from '../functions/slack-interactions-function';
import { lambdaRuntime } from './runtime';

/** The Lambda entry point of the slack-interactions function: its factory (`handlers/functions/slack-interactions-function.ts`) with the Lambda runtime's environment. */
export const handler = slackInteractionsFunction(lambdaRuntime('slack-interactions'));
