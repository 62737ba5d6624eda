import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { MAX_DELIVERY_EVENT_AGE_SECONDS, MAX_DELIVERY_RETRY_ATTEMPTS } from '../../core/delivery-retry';
import type { LiftScheduler, ScheduledLiftPayload } from '../../ports/lift-scheduler';
import { putOneTimeSchedule } from './one-time-schedule';

export interface SchedulerLiftSchedulerOptions {
  readonly client: SchedulerClient;
  readonly groupName: string;
  /** ARN of the revoke function the schedule invokes. */
  readonly revokeFunctionArn: string;
  /** Role EventBridge Scheduler assumes to invoke the revoke function. */
  readonly schedulerRoleArn: string;
}

/** One-time schedules that lift a revocation deny after the STS expiry and delete themselves. */
export class SchedulerLiftScheduler implements LiftScheduler {
  constructor(private readonly options: SchedulerLiftSchedulerOptions) {}

  async scheduleLift(name: string, at: Date, payload: ScheduledLiftPayload): Promise<void> {
    await putOneTimeSchedule(this.options.client, {
      name,
      groupName: this.options.groupName,
      description: `Remove the revocation deny of request ${payload.requestId} after its credentials expired`,
      at,
      target: { arn: this.options.revokeFunctionArn, roleArn: this.options.schedulerRoleArn, input: payload },
      // A lift refused as too early is retried; the deny must not stay forever.
      retryPolicy: { MaximumRetryAttempts: MAX_DELIVERY_RETRY_ATTEMPTS, MaximumEventAgeInSeconds: MAX_DELIVERY_EVENT_AGE_SECONDS },
    });
  }
}
