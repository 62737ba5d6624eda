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

/**
 * Lambda's limit on a function's environment variables: 4 KB in all, counted as the JSON of the
 * variables' names and values ("Function resource-based policy ... Environment variables: 4 KB, for all
 * environment variables associated with the function, in aggregate").
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const LAMBDA_MAX_ENVIRONMENT_BYTES = 4096;

/**
 * An upper bound of the size Lambda counts for a set of variables: an unresolved token (an ARN, a name or a
 * URL known at deploy time) counts as `TOKEN_BYTES`, more than any of those the broker's functions get.
 */
export function environmentBytes(variables: Readonly<Record<string, string>>): number {
  const text = JSON.stringify(variables).replace(/\$\{Token\[[^\]]+\]\}/g, 'x'.repeat(TOKEN_BYTES));
  return Buffer.byteLength(text, 'utf8');
}

/** What an unresolved value counts for in `environmentBytes`: IAM and Lambda ARNs stay well below. */
const TOKEN_BYTES = 256;

/**
 * CloudFormation's limit on the resources of one stack (a nested stack counts as one resource of its
 * parent and has a limit of its own).
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
 */
export const CFN_MAX_RESOURCES_PER_STACK = 500;
