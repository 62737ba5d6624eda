import { Duration } from 'aws-cdk-lib';

/**
 * AWS service limits the stacks size resources by. Limits the handlers also rely on live in
 * `handlers/core` (e.g. `delivery-retry.ts`, `grant-window.ts`).
 */

/**
 * The retention periods SQS accepts: 60 seconds to 14 days.
 *
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
 */
export const SQS_MIN_RETENTION = Duration.seconds(60);
export const SQS_MAX_RETENTION = Duration.days(14);

/**
 * The longest a Lambda function may run: 900 seconds.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const LAMBDA_MAX_TIMEOUT = Duration.minutes(15);
