import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { REPORT_PREFIX } from '../../handlers/core/report-location';

export interface AuditorPolicyProps {
  readonly table: dynamodb.ITable;
  readonly bucket: s3.IBucket;
  /** Name of the managed policy. */
  readonly managedPolicyName: string;
}

/**
 * What `jit report` needs to read and verify audit reports, and nothing that changes anything: read the
 * reports (the exact versions the audit wrote, with their Object Lock retention), list them to find an old
 * one by key, and read a request record for the digests published when the report was written. Attach
 * it to auditors, and to approvers who should read the reports of what they approved; never to an agent.
 * It cannot decide a request, write a report or shorten a retention.
 */
export class AuditorPolicy extends Construct {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: AuditorPolicyProps) {
    super(scope, id);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: props.managedPolicyName,
      description: 'Read and verify just-in-time elevation audit reports with the jit CLI',
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadAuditReports',
          // A read by version id needs s3:GetObjectVersion, not s3:GetObject.
          // @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
          actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectRetention'],
          resources: [props.bucket.arnForObjects(`${REPORT_PREFIX}*`)],
        }),
        new iam.PolicyStatement({
          sid: 'FindAuditReports',
          actions: ['s3:ListBucket'],
          resources: [props.bucket.bucketArn],
        }),
        new iam.PolicyStatement({
          sid: 'ReadPublishedDigests',
          actions: ['dynamodb:GetItem'],
          resources: [props.table.tableArn],
        }),
      ],
    });
  }
}
