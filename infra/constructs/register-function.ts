import type { Construct } from 'constructs';
import { BrokerFunction } from './broker-function';
import type { RequestTable } from './request-table';

export interface RegisterFunctionProps {
  /** The broker settings as JSON (bundled as `jit-settings.json`): the request is validated against them. */
  readonly settingsJson: string;
  /** Where the request is stored, once. */
  readonly requestTable: RequestTable;
}

/** Register: validates an elevation request and stores it with a conditional put. It may put items and take its agent's request slots, nothing else. */
export class RegisterFunction extends BrokerFunction<'register'> {
  constructor(scope: Construct, id: string, props: RegisterFunctionProps) {
    super(scope, id, {
      entry: 'register',
      description: 'Validates an elevation request and stores it once',
      environment: { settings: props.settingsJson, requestTable: props.requestTable.table.tableName },
    });
    // GetItem: a Register that finds its request id taken reads who registered it (a retry of its own
    // execution, a redelivery, or a different request).
    props.requestTable.grantItems(this.role, 'dynamodb:GetItem', 'dynamodb:PutItem');
    // Reads the lease to refuse a request before anyone is emailed when a grant is live.
    props.requestTable.grantLeaseItems(this.role, ['dynamodb:GetItem']);
    // Takes the request's slots of its agent's limits (and gives the pending one back when the hour is full).
    props.requestTable.grantQuotaItems(this.role, { hourly: true });
  }
}
