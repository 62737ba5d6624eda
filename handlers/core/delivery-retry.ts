/**
 * Bounds of the retry policy EventBridge rule targets and EventBridge Scheduler schedules share: at most
 * 185 retries, for at most 24 hours after the event (or the scheduled time). Where the broker must not
 * lose a delivery (a request, an end request, the lift of a revocation deny), it asks for the most
 * retries and lets the event age decide when to stop.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html
 * @see https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html
 */
export const MAX_DELIVERY_RETRY_ATTEMPTS = 185;

/** The longest EventBridge and EventBridge Scheduler keep retrying a delivery: 24 hours. */
export const MAX_DELIVERY_EVENT_AGE_SECONDS = 86_400;
