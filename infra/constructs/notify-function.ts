import type * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { BrokerFunction } from './broker-function';
import type { RequestTable } from './request-table';

export interface NotifyFunctionProps {
  /** Where each outcome is recorded on its request. */
  readonly requestTable: RequestTable;
  /** The broker's bus, where each outcome is published. */
  readonly bus: events.IEventBus;
}

/** The Notify tasks' function: records a request's outcome and publishes its broker event. */
export class NotifyFunction extends BrokerFunction<'notify'> {
  constructor(scope: Construct, id: string, props: NotifyFunctionProps) {
    super(scope, id, {
      entry: 'notify',
      description: 'Records a request outcome and publishes its broker event',
      environment: { requestTable: props.requestTable.table.tableName, eventBusName: props.bus.eventBusName },
    });
    props.requestTable.grantItems(this.role, 'dynamodb:UpdateItem');
    // Names the live grant in a refusal.
    props.requestTable.grantLeaseItems(this.role, ['dynamodb:GetItem']);
    // Gives a decided request's pending slot back (handlers/core/request-quota.ts).
    props.requestTable.grantQuotaItems(this.role, { hourly: false });
    props.bus.grantPutEventsTo(this.role);
  }
}
