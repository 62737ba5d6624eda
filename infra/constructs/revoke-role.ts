import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface RevokeRoleProps {
  /** Fixed name, which every target account's revoker role trusts. */
  readonly roleName: string;
  /** The `jit-revoker` roles in the target accounts. */
  readonly revokerRoleArns: readonly string[];
}

/**
 * The hub-side role of early revoke (invariant 8, docs/security-invariants.md): the execution role of the broker's revoke function.
 * All it may do is assume the target accounts' revoker roles, which in turn may only write inline
 * policies on the elevated roles. Pass `role` to that function's `BrokerFunction`.
 */
export class RevokeRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: RevokeRoleProps) {
    super(scope, id);
    if (props.revokerRoleArns.length === 0) throw new Error('RevokeRole: revokerRoleArns must name at least one role. Received: []');
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: "Execution role of the broker's revoke function: assumes the target accounts' revoker roles",
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeTargetRevokerRoles',
        actions: ['sts:AssumeRole'],
        resources: [...props.revokerRoleArns],
      }),
    );
  }
}
