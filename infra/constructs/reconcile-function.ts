import * as iam from 'aws-cdk-lib/aws-iam';
import type * as events from 'aws-cdk-lib/aws-events';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { STATUS_INDEX } from '../../handlers/core/request-table-schema';
import { BrokerFunction } from './broker-function';
import type { RequestTable } from './request-table';
import { ScheduleInvokerRole } from './schedule-invoker-role';

export interface ReconcileFunctionProps {
  readonly settingsJson: string;
  /** Where the claimed decisions are found, read and settled. */
  readonly requestTable: RequestTable;
  /** The broker's bus, where a decision that can no longer be delivered is published as `Elevation Failed`. */
  readonly bus: events.IEventBus;
  /** Fixed name of the role the recurring schedule invokes the function as. */
  readonly schedulerRoleName: string;
}

/** How often the reconciler looks for stranded decisions. */
export const RECONCILE_RATE_MINUTES = 1;

/**
 * The decision reconciler (docs/reliability.md): a function run every minute by an EventBridge Scheduler
 * rate schedule, which delivers claimed decisions whose delivery was interrupted (or fails them visibly
 * when nothing waits for them any more). EventBridge Scheduler rather than a scheduled EventBridge rule:
 * AWS calls scheduled rules legacy and recommends Scheduler. A rate schedule costs one invocation a
 * minute (about 44,000 a month), inside Scheduler's and Lambda's free tiers.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */
export class ReconcileFunction extends BrokerFunction<'reconcile'> {
  readonly schedule: scheduler.CfnSchedule;

  constructor(scope: Construct, id: string, props: ReconcileFunctionProps) {
    super(scope, id, {
      entry: 'reconcile',
      description: 'Delivers approval decisions whose delivery was interrupted, once a minute',
      environment: { settings: props.settingsJson, requestTable: props.requestTable.table.tableName, eventBusName: props.bus.eventBusName },
    });
    // Reads each candidate whole (it needs the task token and the claim), settles it, or records it FAILED.
    props.requestTable.grantItems(this.role, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    // Lists the candidates on the status index, which projects no task token.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ListClaimedDecisions',
        actions: ['dynamodb:Query'],
        resources: [`${props.requestTable.table.tableArn}/index/${STATUS_INDEX}`],
      }),
    );
    props.bus.grantPutEventsTo(this.role);

    const invoker = new ScheduleInvokerRole(this, 'SchedulerRole', {
      roleName: props.schedulerRoleName,
      description: 'Lets the recurring EventBridge Scheduler schedule invoke the decision reconciler',
    });
    // The function itself, not its versions or aliases (grantInvoke would add `:*`).
    iam.Grant.addToPrincipal({ grantee: invoker, actions: ['lambda:InvokeFunction'], resourceArns: [this.function.functionArn] });
    this.schedule = new scheduler.CfnSchedule(this, 'EveryMinute', {
      description: 'Runs the decision reconciler',
      scheduleExpression: `rate(${RECONCILE_RATE_MINUTES} minute)`,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.function.functionArn,
        roleArn: invoker.roleArn,
        input: '{}',
        // The next run comes a minute later; a failed one is not worth retrying for long.
        retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
      },
    });
  }

  /** Lets the reconciler answer the waiting AwaitApproval tasks of the state machine. */
  grantTaskResponse(stateMachine: sfn.StateMachine): void {
    stateMachine.grantTaskResponse(this.role);
  }
}
