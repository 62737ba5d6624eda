import { Aws } from 'aws-cdk-lib';
import { RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { REPORT_PREFIX } from '../../handlers/core/report-location';
import { CEILING_TAGS } from '../../handlers/core/resource-names';
import { LAMBDA_MAX_TIMEOUT } from '../aws-limits';
import { BrokerFunction } from './broker-function';
import type { RequestTable } from './request-table';


/** Memory, and with it CPU, for building and hashing the reports of busy grants. See docs/performance.md. */
const AUDIT_MEMORY_MB = 1024;

export interface AuditFunctionProps {
  /** Fixed name of the function's role, which the target accounts' audit reader roles trust. */
  readonly roleName: string;
  /** The broker settings as JSON (bundled as `jit-settings.json`): audit regions, delay and maximum lag. */
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
  /** The asymmetric key that signs report manifests; only this function may `kms:Sign` with it. */
  readonly signingKey: kms.Key;

  constructor(scope: Construct, id: string, props: AuditFunctionProps) {
    const signingKey = reportSigningKey(scope, `${id}ReportSigningKey`);
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
        reportSigningKey: signingKey.keyArn,
      },
    });
    this.signingKey = signingKey;
    onlySigner(signingKey, this.role.roleArn);
    // Sign with the key, nothing else: the key policy below names this role as the only signer.
    // @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SignReportManifests',
        actions: ['kms:Sign'],
        resources: [signingKey.keyArn],
      }),
    );
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

/**
 * The manifest signing key: `RSA_2048`, `SIGN_VERIFY` (KMS keeps the private half; nobody can export it).
 * The key policy keeps the account's administration of the key (CDK's default statement, so the key can
 * never become unmanageable) and denies `kms:Sign` to every principal but the audit function's role, so an
 * administrator with `kms:*` in IAM still cannot sign a forged manifest. `kms:GetPublicKey` and
 * `kms:Verify` stay delegated to IAM: the auditor policy grants them.
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/asymmetric-key-specs.html
 */
function reportSigningKey(scope: Construct, id: string): kms.Key {
  const key = new kms.Key(scope, id, {
    description: 'Signs the manifests of the JIT broker audit reports (only the audit function may Sign)',
    keySpec: kms.KeySpec.RSA_2048,
    keyUsage: kms.KeyUsage.SIGN_VERIFY,
    // Reports are kept for years; a deleted key would leave their signatures unverifiable.
    removalPolicy: RemovalPolicy.RETAIN,
    alias: 'alias/jit-report-signing',
  });
  // The ceiling denies elevated sessions every change and use of a key marked so (elevation-ceiling.ts).
  Tags.of(key).add(CEILING_TAGS.security, 'true');
  return key;
}

/** The key policy's signer statements; the role is referenced (not named), so KMS sees it exist first. */
function onlySigner(key: kms.Key, auditRoleArn: string): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyTheAuditFunctionSigns',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:Sign'],
      resources: ['*'],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': auditRoleArn } },
    }),
  );
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AuditFunctionSigns',
      principals: [new iam.ArnPrincipal(auditRoleArn)],
      actions: ['kms:Sign'],
      resources: ['*'],
    }),
  );
}
