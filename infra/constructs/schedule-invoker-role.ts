import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

export interface ScheduleInvokerRoleProps {
  /** Fixed name, which the deny-always ceilings protect with every other `jit-` name. */
  readonly roleName: string;
  readonly description: string;
}

/**
 * The role one-time EventBridge Scheduler schedules assume to invoke a broker function: trusted by
 * `scheduler.amazonaws.com` for schedules of this account only (`aws:SourceAccount`), so another account's
 * schedule cannot borrow it. The function grants it invoke; the function that creates the schedules may
 * pass it to EventBridge Scheduler alone (`oneTimeScheduleStatements`).
 *
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role
 */
export class ScheduleInvokerRole extends iam.Role {
  constructor(scope: Construct, id: string, props: ScheduleInvokerRoleProps) {
    super(scope, id, {
      roleName: props.roleName,
      description: props.description,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
  }
}

export interface OneTimeScheduleStatementsProps {
  /** Sid of the statement that lets the function create and replace the schedules. */
  readonly scheduleSid: string;
  /** Sid of the statement that lets it pass the schedules' role. */
  readonly passRoleSid: string;
  /** The schedule group the schedules live in. */
  readonly groupName: string;
  /** Prefix every schedule name of this kind starts with, e.g. `jit-reset-`. */
  readonly namePrefix: string;
  /** The role the schedules invoke their target as. */
  readonly schedulerRole: iam.IRole;
}

/**
 * What a function needs to create one kind of one-time schedule, written by hand for two reasons:
 * `ScheduleGroup.grantWriteSchedules` covers every schedule of the group, where each function may write
 * only its own kind (by name prefix); and `grantPassRole` cannot name the receiving service, where the
 * schedules' role may be passed to EventBridge Scheduler alone (`iam:PassedToService`).
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService
 */
export function oneTimeScheduleStatements(props: OneTimeScheduleStatementsProps): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: props.scheduleSid,
      actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule'],
      resources: [`arn:${Aws.PARTITION}:scheduler:${Aws.REGION}:${Aws.ACCOUNT_ID}:schedule/${props.groupName}/${props.namePrefix}*`],
    }),
    new iam.PolicyStatement({
      sid: props.passRoleSid,
      actions: ['iam:PassRole'],
      resources: [props.schedulerRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    }),
  ];
}
