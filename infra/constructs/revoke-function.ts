import { Aws } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { LIFT_SCHEDULE_PREFIX } from '../../handlers/core/resource-names';
import { BrokerFunction } from './broker-function';
import type { RequestTable } from './request-table';
import type { RevokeRole } from './revoke-role';
import { oneTimeScheduleStatements } from './schedule-invoker-role';
import { sendAsSenderStatement } from './send-as-sender-statement';

export interface RevokeFunctionProps {
  /** Fixed function name, which `jit revoke` invokes (it must start with the broker stack's name and a dash). */
  readonly functionName: string;
  /** The execution role, made first because the target accounts' revoker roles trust it by name. */
  readonly revokeRole: RevokeRole;
  /** Where the revocation is recorded. */
  readonly requestTable: RequestTable;
  /** The broker's bus, for `Elevation Revoked`, `Ended` and `End Refused`. */
  readonly bus: events.IEventBus;
  /** The reset function, which stays the only writer of the placeholder: revoke asks it to reset. */
  readonly resetFunction: lambda.IFunction;
  /** Group of the one-time lift schedules. */
  readonly scheduleGroupName: string;
  /** The role the lift schedules invoke this function as; it is granted that invoke here. */
  readonly liftSchedulerRole: iam.IRole;
  /** The broker settings as JSON (`JIT_SETTINGS`): the tripwire rules, the approvers and the sender of their alerts. */
  readonly settingsJson: string;
  /** With tripwires: the address the approvers' tripwire alerts come from. @default no email permission (no tripwires) */
  readonly tripwireSender?: string;
}

/**
 * Early revoke: `jit revoke` invokes it, `jit end` reaches it as an event, and a one-time schedule calls
 * it again to lift the deny after the STS expiry. It resets the secret through the reset function and
 * denies the grant's source identity on the elevated role through the target account's revoker role.
 * See docs/security-model.md#early-revoke.
 */
export class RevokeFunction extends BrokerFunction<'revoke'> {
  constructor(scope: Construct, id: string, props: RevokeFunctionProps) {
    super(scope, id, {
      entry: 'revoke',
      role: props.revokeRole.role,
      functionName: props.functionName,
      description: 'Ends a grant early: resets the secret, denies its SourceIdentity on the role, lifts the deny after expiry',
      environment: {
        requestTable: props.requestTable.table.tableName,
        eventBusName: props.bus.eventBusName,
        targetPartition: Aws.PARTITION,
        resetFunctionArn: props.resetFunction.functionArn,
        scheduleGroup: props.scheduleGroupName,
        liftSchedulerRoleArn: props.liftSchedulerRole.roleArn,
        settings: props.settingsJson,
      },
    });
    // A tripwire that ends a grant emails the approvers (docs/security-model.md#tripwires).
    if (props.tripwireSender) this.role.addToPolicy(sendAsSenderStatement('SendTripwireAlertsAsTheBrokerOnly', props.tripwireSender));
    props.requestTable.grantItems(this.role, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    props.bus.grantPutEventsTo(this.role);
    // The function itself, not its versions: grantInvoke would add `:*`.
    this.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'ResetTheRevokedGrant', actions: ['lambda:InvokeFunction'], resources: [props.resetFunction.functionArn] }),
    );
    for (const statement of oneTimeScheduleStatements({
      scheduleSid: 'ScheduleTheRevocationLift',
      passRoleSid: 'PassTheLiftSchedulerRoleToSchedulerOnly',
      groupName: props.scheduleGroupName,
      namePrefix: LIFT_SCHEDULE_PREFIX,
      schedulerRole: props.liftSchedulerRole,
    })) {
      this.role.addToPolicy(statement);
    }
    // The lift schedules invoke the function itself, not its versions: grantInvoke would add `:*`.
    props.liftSchedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'InvokeTheRevokeFunction', actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }),
    );
  }
}
