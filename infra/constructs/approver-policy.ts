import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { STATUS_INDEX } from '../../handlers/core/request-table-schema';
import { sendAsSenderStatement } from './send-as-sender-statement';

export interface ApproverPolicyProps {
  readonly table: dynamodb.ITable;
  readonly stateMachine: sfn.IStateMachine;
  /** Address confirmation emails are sent from. */
  readonly sender: string;
  /** Name of the managed policy. */
  readonly managedPolicyName: string;
  /** The broker's revoke function, which `jit revoke` invokes. */
  readonly revokeFunction: lambda.IFunction;
}

/** Attributes a terminal approval may write: the decision fields, nothing about grants or reports. */
const DECISION_ATTRIBUTES = ['requestId', 'status', 'decision', 'denial', 'decidedAt', 'updatedAt', 'taskToken'];

/**
 * What a person needs to approve from the terminal (`jit pending`, `jit approve`, `jit deny`, `jit status`,
 * `jit revoke`) with their own AWS credentials: list pending requests through the status index, read one
 * request, write only its decision fields, answer the waiting task, send the confirmation email, and
 * invoke the revoke function (which does the revocation with the broker's own roles). Attach it to approvers' roles
 * or groups, never to an agent (invariant 2, docs/security-invariants.md: the agent has no SendTask* and no read of the request store).
 */
export class ApproverPolicy extends Construct {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ApproverPolicyProps) {
    super(scope, id);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: props.managedPolicyName,
      description: 'Approve or deny just-in-time elevation requests from the jit CLI',
      statements: [
        new iam.PolicyStatement({
          sid: 'ListPendingRequests',
          actions: ['dynamodb:Query'],
          resources: [`${props.table.tableArn}/index/${STATUS_INDEX}`],
        }),
        new iam.PolicyStatement({
          sid: 'ReadRequests',
          actions: ['dynamodb:GetItem'],
          resources: [props.table.tableArn],
        }),
        new iam.PolicyStatement({
          sid: 'WriteOnlyDecisionFields',
          actions: ['dynamodb:UpdateItem'],
          resources: [props.table.tableArn],
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': DECISION_ATTRIBUTES } },
        }),
        new iam.PolicyStatement({
          sid: 'AnswerApprovalTasks',
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
          resources: [props.stateMachine.stateMachineArn],
        }),
        sendAsSenderStatement('SendConfirmationEmailAsTheBrokerOnly', props.sender),
        new iam.PolicyStatement({
          sid: 'RevokeGrants',
          // The function itself, not its versions or aliases (no `:*`).
          actions: ['lambda:InvokeFunction'],
          resources: [props.revokeFunction.functionArn],
        }),
      ],
    });
  }
}
