import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { RESET_SCHEDULE_PREFIX } from '../../handlers/core/resource-names';
import type { AccountSecrets } from './account-secrets';
import { BrokerFunction } from './broker-function';
import type { RequestTable } from './request-table';
import { oneTimeScheduleStatements } from './schedule-invoker-role';
import { LEASE_ATTRIBUTES } from '../../handlers/core/grant-lease';

export interface MintFunctionProps {
  /** Fixed name of the function's role: the only principal the elevated roles trust. */
  readonly roleName: string;
  /** The broker settings as JSON (bundled as `jit-settings.json`): the decision is checked against them again. */
  readonly settingsJson: string;
  /** Every configured elevated role, in every target account: all the mint may assume. */
  readonly elevatedRoleArns: readonly string[];
  /** The account secrets the grants are written into. */
  readonly secrets: AccountSecrets;
  /** Secrets beyond \`secrets\`, by ARN or ARN pattern (the nested agents' secrets). @default none */
  readonly moreSecretArns?: readonly string[];
  /** Where the issued access key ids are recorded for the audit. */
  readonly requestTable: RequestTable;
  /** Group of the one-time reset schedules. */
  readonly scheduleGroupName: string;
  /** The reset function the safety-net schedule invokes. */
  readonly resetFunction: lambda.IFunction;
  /** The role the safety-net schedule invokes the reset function as. */
  readonly schedulerRole: iam.IRole;
}

/**
 * Mint: assumes the elevated role with a source identity, schedules the reset safety net and writes the
 * grant into the account secret. Every statement is written by hand: each is narrower than the CDK's
 * grant would be, and the elevated roles' trust and the secrets' resource policies name this role.
 */
export class MintFunction extends BrokerFunction<'mint'> {
  constructor(scope: Construct, id: string, props: MintFunctionProps) {
    super(scope, id, {
      entry: 'mint',
      roleName: props.roleName,
      description: 'Assumes the elevated role, schedules the reset and stores the grant in the account secret',
      environment: {
        settings: props.settingsJson,
        targetPartition: Aws.PARTITION,
        scheduleGroup: props.scheduleGroupName,
        resetFunctionArn: props.resetFunction.functionArn,
        schedulerRoleArn: props.schedulerRole.roleArn,
        requestTable: props.requestTable.table.tableName,
      },
    });
    // The elevated roles' trust requires a source identity, so the mint must be allowed to set one.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeConfiguredElevatedRolesWithSourceIdentity',
        actions: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        resources: [...props.elevatedRoleArns],
      }),
    );
    // Write only: Secret.grantWrite would add UpdateSecret, and the mint never needs to read a secret back.
    // DescribeSecret names the current version (a retried mint checks whether its earlier attempt already
    // delivered the grant); it returns no secret value. UpdateSecretVersionStage makes a restamped grant
    // current only if the secret still holds the grant it restamps (a compare-and-swap, as the reset's).
    // Proofs before minting (docs/security-model.md): Access Analyzer's policy checks act on the policy
    // text passed in, not on a resource, so they are authorized on `*`.
    // @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsiamaccessanalyzer.html
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ProveSessionPoliciesBeforeMinting',
        actions: ['access-analyzer:ValidatePolicy', 'access-analyzer:CheckNoNewAccess', 'access-analyzer:CheckAccessNotGranted'],
        resources: ['*'],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteGrantsIntoAccountSecrets',
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        resources: [...props.secrets.secretArns, ...(props.moreSecretArns ?? [])],
      }),
    );
    for (const statement of oneTimeScheduleStatements({
      scheduleSid: 'ScheduleTheResetSafetyNet',
      passRoleSid: 'PassTheSchedulerRoleToSchedulerOnly',
      groupName: props.scheduleGroupName,
      namePrefix: RESET_SCHEDULE_PREFIX,
      schedulerRole: props.schedulerRole,
    })) {
      this.role.addToPolicy(statement);
    }
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RecordIssuedCredentialsForTheAudit',
        actions: ['dynamodb:UpdateItem'],
        resources: [props.requestTable.table.tableArn],
        // Mint may append issued access key ids, nothing else: no status, decision or token, and no reading back.
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['requestId', 'issuedCredentials', 'updatedAt'] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_NEW'] },
        },
      }),
    );
    // One live grant per agent and account: the lease is taken (its attributes only) and read to name its holder.
    props.requestTable.grantLeaseItems(this.role, ['dynamodb:UpdateItem'], LEASE_ATTRIBUTES);
    props.requestTable.grantLeaseItems(this.role, ['dynamodb:GetItem']);
    // A retried mint reads back the credentials it recorded, and only those (a projected GetItem).
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_dynamodb_attributes.html
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadBackIssuedCredentials',
        actions: ['dynamodb:GetItem'],
        resources: [props.requestTable.table.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['requestId', 'issuedCredentials'] },
          // Without this, a GetItem naming no attributes (the whole item, task token included) would pass:
          // ForAllValues is true of an absent key.
          // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
          Null: { 'dynamodb:Attributes': 'false' },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      }),
    );
  }
}
