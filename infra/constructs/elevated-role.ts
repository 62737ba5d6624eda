import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { SOURCE_IDENTITY_TRUST_PATTERN } from '../../handlers/core/grant-window';
import type { PolicyDocument } from '../config/load-config';

export interface ElevatedRoleProps {
  /** IAM role name, as the broker builds the ARN from config. */
  readonly roleName: string;
  /** The broker's mint role ARN in the hub account: the only principal the role trusts. */
  readonly mintRoleArn: string;
  /** The role's own permissions, from the role's policy file. */
  readonly policy: PolicyDocument;
  /** The deny-always ceiling's policies; all attached to the role. */
  readonly ceiling: readonly iam.IManagedPolicy[];
  readonly description?: string;
}

/**
 * Role chaining caps a session at one hour, and the broker mints by chaining from its Lambda role, so a
 * longer maximum would never be used; keeping it at one hour also bounds any copy of a session.
 */
const MAX_SESSION = Duration.hours(1);

/**
 * An elevated role in a target account. Only the broker's mint role may assume it, and only while
 * setting a SourceIdentity in the broker's format: the SourceIdentity names the request in CloudTrail
 * and is what early revoke denies on (docs/security-model.md). The deny-always ceiling is attached.
 */
export class ElevatedRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ElevatedRoleProps) {
    super(scope, id);
    // `sts:SourceIdentity` is the value the AssumeRole request sets; it is what a trust policy requires a
    // source identity with. `aws:SourceIdentity` would not do: it is in the context only once the calling
    // session already has a source identity, and the mint function's Lambda session never has one, so a
    // condition on it would refuse every mint. Without a SourceIdentity parameter the key is absent and
    // StringLike fails, so a plain AssumeRole is refused even from the mint role; SetSourceIdentity (which
    // AWS authorizes for the same request) carries the same condition.
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_sourceidentity
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceidentity
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
    const withSourceIdentity = { StringLike: { 'sts:SourceIdentity': SOURCE_IDENTITY_TRUST_PATTERN } };
    const mint = new iam.ArnPrincipal(props.mintRoleArn);
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: props.description ?? 'Just-in-time elevated role, assumed only by the JIT broker',
      assumedBy: new iam.PrincipalWithConditions(mint, withSourceIdentity),
      maxSessionDuration: MAX_SESSION,
      managedPolicies: [...props.ceiling],
      inlinePolicies: { Elevated: iam.PolicyDocument.fromJson(props.policy) },
    });
    this.role.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({
        actions: ['sts:SetSourceIdentity'],
        principals: [mint],
        conditions: withSourceIdentity,
      }),
    );
  }
}
