import { ConflictException, type CreateScheduleCommandInput, CreateScheduleCommand, type SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import type { LiftScheduler, ScheduledLiftPayload } from '../../ports/lift-scheduler';
import { atExpression } from './scheduler-reset-scheduler';

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
    const input: CreateScheduleCommandInput = {
      Name: name,
      GroupName: this.options.groupName,
      Description: `Remove the revocation deny of request ${payload.requestId} after its credentials expired`,
      ScheduleExpression: atExpression(at),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: this.options.revokeFunctionArn,
        RoleArn: this.options.schedulerRoleArn,
        Input: JSON.stringify(payload),
        // A lift refused as too early is retried; the deny must not stay forever.
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
      },
    };
    try {
      await this.options.client.send(new CreateScheduleCommand(input));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
      await this.options.client.send(new UpdateScheduleCommand(input));
    }
  }
}
