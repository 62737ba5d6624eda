import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { STATUS_INDEX } from '../../handlers/core/request-table-schema';
import { BrokerFunction } from './broker-function';
import { sendAsSenderStatement } from './send-as-sender-statement';

export interface ApprovalWebFunctionProps {
  /** The broker settings as JSON (`JIT_SETTINGS`). */
  readonly settingsJson: string;
  /** The request table: the function reads requests and claims decisions in it. */
  readonly table: dynamodb.ITable;
  /** Address the confirmation emails are sent from (a verified SES identity). */
  readonly sender: string;
  /** The broker's bus: the approver routes publish `Elevation Approver Refused` there. */
  readonly bus: events.IEventBus;
  /** Name of the revoke function, which the approver routes hand `jit revoke` to (the stack grants the invoke). */
  readonly revokeFunctionName: string;
}

/**
 * The review page's function: GET shows a request, POST records the single decision and answers the
 * workflow's task token (the stack grants that once the state machine exists). It also serves the
 * IAM-authorized approver routes of the `jit` CLI, so no person's credentials need the task token.
 */
export class ApprovalWebFunction extends BrokerFunction<'approval-web'> {
  constructor(scope: Construct, id: string, props: ApprovalWebFunctionProps) {
    super(scope, id, {
      entry: 'approval-web',
      description: 'Serves the approval review page and records the single decision',
      timeout: Duration.seconds(15),
      environment: {
        settings: props.settingsJson,
        requestTable: props.table.tableName,
        eventBusName: props.bus.eventBusName,
        revokeFunctionName: props.revokeFunctionName,
      },
    });
    // Items, not Table.grant's wildcard over every index.
    iam.Grant.addToPrincipal({ grantee: this.role, actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resourceArns: [props.table.tableArn] });
    // `jit pending` (the approver routes) lists through the status index, which projects no task token.
    iam.Grant.addToPrincipal({ grantee: this.role, actions: ['dynamodb:Query'], resourceArns: [`${props.table.tableArn}/index/${STATUS_INDEX}`] });
    this.role.addToPolicy(sendAsSenderStatement('SendConfirmationEmailAsTheBrokerOnly', props.sender));
    props.bus.grantPutEventsTo(this.role);
  }
}
