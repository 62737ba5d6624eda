import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { ResetScheduler, ScheduledResetPayload } from '../../ports/reset-scheduler';

export interface SchedulerResetSchedulerOptions {
  readonly client: SchedulerClient;
  readonly groupName: string;
  /** ARN of the reset function the schedule invokes. */
  readonly resetFunctionArn: string;
  /** Role EventBridge Scheduler assumes to invoke the reset function. */
  readonly schedulerRoleArn: string;
}

/** `at()` wants local date-time without zone or fraction; we pin the zone to UTC. Rounded up to the second. */
export function atExpression(at: Date): string {
  const seconds = Math.ceil(at.getTime() / 1000) * 1000;
  return `at(${new Date(seconds).toISOString().slice(0, 19)})`;
}

/**
 * One-time EventBridge Scheduler schedules that invoke the reset function at a grant's expiry and delete
 * themselves afterwards (`ActionAfterCompletion: DELETE`). One-time schedules fire within about a minute.
 */
export class SchedulerResetScheduler implements ResetScheduler {
  constructor(private readonly options: SchedulerResetSchedulerOptions) {}

  async scheduleReset(name: string, at: Date, payload: ScheduledResetPayload): Promise<void> {
    const input: CreateScheduleCommandInput = {
      Name: name,
      GroupName: this.options.groupName,
      Description: `Reset the elevated secret of account ${payload.accountId} after request ${payload.requestId}`,
      ScheduleExpression: atExpression(at),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: this.options.resetFunctionArn,
        RoleArn: this.options.schedulerRoleArn,
        Input: JSON.stringify(payload),
        RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
      },
    };
    try {
      await this.options.client.send(new CreateScheduleCommand(input));
    } catch (error) {
      // A retried mint for the same request replaces its schedule with the new grant's.
      if (!(error instanceof ConflictException)) throw error;
      await this.options.client.send(new UpdateScheduleCommand(input));
    }
  }
}
