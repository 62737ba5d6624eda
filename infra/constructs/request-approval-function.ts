import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { BrokerFunction } from './broker-function';
import type { RequestTable } from './request-table';
import { sendAsSenderStatement } from './send-as-sender-statement';

export interface RequestApprovalFunctionProps {
  /** The broker settings as JSON (`JIT_SETTINGS`): approvers, sender and approval window. */
  readonly settingsJson: string;
  /** Where the task token and the hashed approval capability are stored. */
  readonly requestTable: RequestTable;
  /** The broker's bus, for `Elevation Pending Approval`. */
  readonly bus: events.IEventBus;
  /** Base URL of the review links in the approval email. */
  readonly reviewBaseUrl: string;
  /** Address the approval emails are sent from (a verified SES identity). */
  readonly sender: string;
}

/**
 * AwaitApproval's function (`.waitForTaskToken`): stores the task token and a hashed approval capability
 * on the request, asks IAM Access Analyzer about the session policy as requested, emails the approvers (with
 * those checks) and publishes `Elevation Pending Approval`.
 */
export class RequestApprovalFunction extends BrokerFunction<'request-approval'> {
  constructor(scope: Construct, id: string, props: RequestApprovalFunctionProps) {
    super(scope, id, {
      entry: 'request-approval',
      description: 'Stores the task token and a hashed approval capability, emails the approver',
      environment: {
        settings: props.settingsJson,
        requestTable: props.requestTable.table.tableName,
        eventBusName: props.bus.eventBusName,
        reviewBaseUrl: props.reviewBaseUrl,
      },
    });
    props.requestTable.grantItems(this.role, 'dynamodb:UpdateItem');
    props.bus.grantPutEventsTo(this.role);
    this.role.addToPolicy(sendAsSenderStatement('SendApprovalEmailAsTheBrokerOnly', props.sender));
    // The approval message shows Access Analyzer's checks of the session policy as requested
    // (docs/security-model.md, "Proofs before minting"). The policy checks act on the policy text passed
    // in, not on a resource, so they are authorized on `*`.
    // @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsiamaccessanalyzer.html
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ProveSessionPoliciesForTheApprovers',
        actions: ['access-analyzer:ValidatePolicy', 'access-analyzer:CheckNoNewAccess', 'access-analyzer:CheckAccessNotGranted'],
        resources: ['*'],
      }),
    );
  }
}
