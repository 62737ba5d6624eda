import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface ApproverPolicyProps {
  /** Name of the managed policy. */
  readonly managedPolicyName: string;
  /** The execute-api ARNs of the approver routes (`ApprovalEndpoint.approverRouteArns`). */
  readonly approverRouteArns: readonly string[];
}

/**
 * What a person needs to approve from the terminal (`jit pending`, `jit status`, `jit approve`,
 * `jit deny`, `jit revoke`) with their own AWS credentials: `execute-api:Invoke` on exactly the
 * IAM-authorized approver routes, nothing else. The approval function behind them maps the caller's
 * ARN to a configured approver and does the work with the broker's own role, so no approver principal
 * can read a task token, answer a task (`states:SendTask*`) or write the request table: a forged
 * decision fails at its first call. Attach it to approvers' roles or groups, never to an agent.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
 */
export class ApproverPolicy extends Construct {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ApproverPolicyProps) {
    super(scope, id);
    if (props.approverRouteArns.length === 0) throw new Error('ApproverPolicy approverRouteArns must name at least one route. Received: []');
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: props.managedPolicyName,
      description: 'Approve, deny and revoke just-in-time elevation requests from the jit CLI, through the approver routes only',
      statements: [
        new iam.PolicyStatement({
          sid: 'InvokeTheApproverRoutesOnly',
          actions: ['execute-api:Invoke'],
          resources: [...props.approverRouteArns],
        }),
      ],
    });
  }
}
