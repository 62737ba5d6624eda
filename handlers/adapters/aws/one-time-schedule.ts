import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';

/** `at()` wants local date-time without zone or fraction; we pin the zone to UTC. Rounded up to the second. */
export function atExpression(at: Date): string {
  const seconds = Math.ceil(at.getTime() / 1000) * 1000;
  return `at(${new Date(seconds).toISOString().slice(0, 19)})`;
}

export interface OneTimeSchedule {
  readonly name: string;
  readonly groupName: string;
  readonly description: string;
  readonly at: Date;
  /** The function the schedule invokes, the role it invokes it as, and the payload. */
  readonly target: { readonly arn: string; readonly roleArn: string; readonly input: unknown };
  readonly retryPolicy: { readonly MaximumRetryAttempts: number; readonly MaximumEventAgeInSeconds: number };
}

/**
 * Creates a one-time EventBridge Scheduler schedule (UTC, no flexible window) that deletes itself after it
 * runs. A schedule of the same name is replaced: a retried caller's newest schedule is the one that counts.
 */
export async function putOneTimeSchedule(client: SchedulerClient, schedule: OneTimeSchedule): Promise<void> {
  const input: CreateScheduleCommandInput = {
    Name: schedule.name,
    GroupName: schedule.groupName,
    Description: schedule.description,
    ScheduleExpression: atExpression(schedule.at),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    State: 'ENABLED',
    Target: {
      Arn: schedule.target.arn,
      RoleArn: schedule.target.roleArn,
      Input: JSON.stringify(schedule.target.input),
      RetryPolicy: { ...schedule.retryPolicy },
    },
  };
  try {
    await client.send(new CreateScheduleCommand(input));
  } catch (error) {
    if (!(error instanceof ConflictException)) throw error;
    await client.send(new UpdateScheduleCommand(input));
  }
}
