import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface AuditBucketProps {
  /** Object Lock mode for reports. `NONE` turns default retention off (Object Lock stays enabled). */
  readonly objectLock: 'NONE' | 'GOVERNANCE' | 'COMPLIANCE';
  readonly retentionDays: number;
  /**
   * Fixed bucket name, so that target accounts' deny-always ceilings can name it.
   * @default a generated name
   */
  readonly bucketName?: string;
}

/**
 * Where audit reports live: versioned, encrypted, TLS only, no public access, Object Lock enabled with a
 * default retention from config. COMPLIANCE retention cannot be shortened or bypassed by anyone,
 * including the account root; GOVERNANCE can be bypassed with `s3:BypassGovernanceRetention`.
 */
export class AuditBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AuditBucketProps) {
    super(scope, id);
    const retention = Duration.days(props.retentionDays);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      objectLockEnabled: true,
      objectLockDefaultRetention:
        props.objectLock === 'COMPLIANCE'
          ? s3.ObjectLockRetention.compliance(retention)
          : props.objectLock === 'GOVERNANCE'
            ? s3.ObjectLockRetention.governance(retention)
            : undefined,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(props.retentionDays + 1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
