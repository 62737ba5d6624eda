import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EXPIRY_FACT_ATTRIBUTES } from '../../handlers/core/expiry-notice';
import type { Construct } from 'constructs';
import { BrokerFunction } from './broker-function';
import type { RequestTable } from './request-table';
import { sendAsSenderStatement } from './send-as-sender-statement';

export interface NotifyFunctionProps {
  /** The broker settings as JSON: the notice's minutes, the approvers and their routes, the sender. */
  readonly settingsJson: string;
  /** Where each outcome is recorded on its request. */
  readonly requestTable: RequestTable;
  /** The broker's bus, where each outcome is published. */
  readonly bus: events.IEventBus;
  /** Address the pre-expiry notices are sent from (a verified SES identity). */
  readonly sender: string;
}

/**
 * The Notify tasks' function: records a request's outcome and publishes its broker event; also plans and
 * sends the notice before a grant expires (PlanNotice, NotifyExpiring: an event and an email to its approvers).
 */
export class NotifyFunction extends BrokerFunction<'notify'> {
  constructor(scope: Construct, id: string, props: NotifyFunctionProps) {
    super(scope, id, {
      entry: 'notify',
      description: 'Records a request outcome and publishes its broker event; notices before expiry',
      environment: { requestTable: props.requestTable.table.tableName, eventBusName: props.bus.eventBusName, settings: props.settingsJson },
    });
    props.requestTable.grantItems(this.role, 'dynamodb:UpdateItem');
    // NotifyExpiring reads back whether the grant is still live, and only that (a projected GetItem): never
    // the task token or the link hashes.
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_dynamodb_attributes.html
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadWhetherTheGrantIsStillLive',
        actions: ['dynamodb:GetItem'],
        resources: [props.requestTable.table.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...EXPIRY_FACT_ATTRIBUTES] },
          // ForAllValues is true of an absent key: a GetItem of the whole item carries no dynamodb:Attributes.
          // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
          Null: { 'dynamodb:Attributes': 'false' },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      }),
    );
    // Names the live grant in a refusal.
    props.requestTable.grantLeaseItems(this.role, ['dynamodb:GetItem']);
    // Gives a decided request's pending slot back (handlers/core/request-quota.ts).
    props.requestTable.grantQuotaItems(this.role, { hourly: false });
    props.bus.grantPutEventsTo(this.role);
    this.role.addToPolicy(sendAsSenderStatement('SendExpiryNoticeAsTheBrokerOnly', props.sender));
  }
}
