import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { REQUEST_KEY, STATUS_INDEX, STATUS_INDEX_ATTRIBUTES, STATUS_INDEX_KEYS, TTL_ATTRIBUTE } from '../../handlers/core/request-table-schema';
import { LEASE_KEY_PREFIX } from '../../handlers/core/grant-lease';
import { PENDING_KEY_PREFIX, QUOTA_ATTRIBUTES, RATE_KEY_PREFIX } from '../../handlers/core/request-quota';

/**
 * The request store: one item per request (state, task token while pending, hashed approval
 * capabilities). On demand, point-in-time recovery on, expired items removed by TTL, kept on stack deletion.
 * A status index lists pending requests for `jit pending`; it projects no task token and no link hash.
 */
export class RequestTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: { readonly tableName?: string } = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: REQUEST_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: STATUS_INDEX,
      partitionKey: { name: STATUS_INDEX_KEYS.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: STATUS_INDEX_KEYS.sort, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: [...STATUS_INDEX_ATTRIBUTES],
    });
  }

  /**
   * Grants item-level actions on the table itself, not its indexes. `Table.grant` adds `index/*` once the
   * table has an index, which functions that only write items do not need.
   */
  grantItems(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.table.tableArn] });
  }

  /**
   * Grants item-level actions on the grant leases only (items keyed `LEASE#...`, handlers/core/grant-lease.ts),
   * never on requests: the partition key of every item the call touches must start with the prefix.
   *
   * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
   */
  grantLeaseItems(grantee: iam.IGrantable, actions: readonly string[], attributes?: readonly string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: `GrantLeases${actions.map((a) => a.split(':')[1]).join('')}`,
        actions: [...actions],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': [`${LEASE_KEY_PREFIX}*`],
            ...(attributes ? { 'dynamodb:Attributes': [...attributes] } : {}),
          },
          ...(attributes ? { StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] } } : {}),
        },
      }),
    );
  }

  /**
   * Grants `UpdateItem` on the per-agent quota items only (keyed `PENDING#...`, and `RATE#...` when
   * `hourly`; handlers/core/request-quota.ts), writing only their attributes, never a request.
   *
   * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
   */
  grantQuotaItems(grantee: iam.IGrantable, scope: { readonly hourly: boolean }): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RequestQuotasUpdateItem',
        actions: ['dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': [`${PENDING_KEY_PREFIX}*`, ...(scope.hourly ? [`${RATE_KEY_PREFIX}*`] : [])],
            'dynamodb:Attributes': [...QUOTA_ATTRIBUTES],
          },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] },
        },
      }),
    );
  }
}
