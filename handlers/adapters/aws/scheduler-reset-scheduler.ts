import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { ResetScheduler, ScheduledResetPayload } from '../../ports/reset-scheduler';
import { putOneTimeSchedule } from './one-time-schedule';

export interface SchedulerResetSchedulerOptions {
  readonly client: SchedulerClient;
  readonly groupName: string;
  /** ARN of the reset function the schedule invokes. */
  readonly resetFunctionArn: string;
  /** Role EventBridge Scheduler assumes to invoke the reset function. */
  readonly schedulerRoleArn: string;
}

/**
 * One-time EventBridge Scheduler schedules that invoke the reset function at a grant's expiry and delete
 * themselves afterwards (`ActionAfterCompletion: DELETE`). One-time schedules fire within about a minute.
 */
export class SchedulerResetScheduler implements ResetScheduler {
  constructor(private readonly options: SchedulerResetSchedulerOptions) {}

  async scheduleReset(name: string, at: Date, payload: ScheduledResetPayload): Promise<void> {
    // A retried mint for the same request replaces its schedule with the new grant's.
    await putOneTimeSchedule(this.options.client, {
      name,
      groupName: this.options.groupName,
      description: `Reset the elevated secret of account ${payload.accountId} after request ${payload.requestId}`,
      at,
      target: { arn: this.options.resetFunctionArn, roleArn: this.options.schedulerRoleArn, input: payload },
      retryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
    });
  }
}
