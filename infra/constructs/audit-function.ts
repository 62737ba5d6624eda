import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { REPORT_PREFIX } from '../../handlers/core/report-location';
import { LAMBDA_MAX_TIMEOUT } from '../aws-limits';
import { BrokerFunction } from './broker-function';
import type { RequestTable } from './request-table';


/** Memory, and with it CPU, for building and hashing the reports of busy grants. See docs/performance.md. */
const AUDIT_MEMORY_MB = 1024;

export interface AuditFunctionProps {
  /** Fixed name of the function's role, which the target accounts' audit reader roles trust. */
  readonly roleName: string;
  /** The broker settings as JSON (`JIT_SETTINGS`): audit regions, delay and maximum lag. */
  readonly settingsJson: string;
  /** The `jit-audit-reader` roles of the target accounts. */
  readonly auditReaderRoleArns: readonly string[];
  /** Where the reports are written. */
  readonly auditBucket: s3.IBucket;
  /** Which credentials a request had and whether it was revoked. */
  readonly requestTable: RequestTable;
}

/**
 * Audit (PlanAudit, CollectTrail): reads CloudTrail in the target account through its audit reader role
 * and writes the report to the audit bucket.
 */
export class AuditFunction extends BrokerFunction<'audit'> {
  constructor(scope: Construct, id: string, props: AuditFunctionProps) {
    super(scope, id, {
      entry: 'audit',
      roleName: props.roleName,
      description: 'Reads CloudTrail in the target account and writes the audit report',
      // One poll reads every page at 2 requests/s per region; the longest polls of very busy grants need
      // all of Lambda's 15 minutes (it stops reading 2 minutes before, to write the report). See docs/performance.md.
      timeout: LAMBDA_MAX_TIMEOUT,
      memorySize: AUDIT_MEMORY_MB,
      environment: {
        settings: props.settingsJson,
        targetPartition: Aws.PARTITION,
        auditBucket: props.auditBucket.bucketName,
        requestTable: props.requestTable.table.tableName,
      },
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTargetAccountTrails',
        actions: ['sts:AssumeRole'],
        resources: [...props.auditReaderRoleArns],
      }),
    );
    // PutObject only: retention comes from the bucket default, so the audit role needs no Object Lock
    // permission (grantPut would add s3:PutObjectRetention and s3:PutObjectLegalHold).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteReports',
        actions: ['s3:PutObject'],
        resources: [props.auditBucket.arnForObjects(`${REPORT_PREFIX}*`)],
      }),
    );
    props.requestTable.grantItems(this.role, 'dynamodb:GetItem');
  }
}
