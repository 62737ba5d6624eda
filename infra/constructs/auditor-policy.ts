import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { REPORT_PREFIX } from '../../handlers/core/report-location';
import { AUDITOR_READABLE_ATTRIBUTES } from '../../handlers/core/request-table-schema';

export interface AuditorPolicyProps {
  readonly table: dynamodb.ITable;
  readonly bucket: s3.IBucket;
  /** The key that signs report manifests: auditors read its public half to verify signatures. */
  readonly signingKey: { readonly keyArn: string };
  /** Name of the managed policy. */
  readonly managedPolicyName: string;
}

/**
 * What `jit report` needs to read and verify audit reports, and nothing that changes anything: read the
 * reports (the exact versions the audit wrote, with their Object Lock retention), list them to find an old
 * one by key, and read from a request record only where its report is and the digests published when it
 * was written (a projected GetItem). Attach
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
          sid: 'VerifyReportSignatures',
          // The public half only: signing is the audit function's alone (its key policy denies everyone else).
          // @see https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html
          actions: ['kms:GetPublicKey'],
          resources: [props.signingKey.keyArn],
        }),
        new iam.PolicyStatement({
          sid: 'FindAuditReports',
          actions: ['s3:ListBucket'],
          resources: [props.bucket.bucketArn],
        }),
        new iam.PolicyStatement({
          sid: 'ReadPublishedDigestsOnly',
          actions: ['dynamodb:GetItem'],
          resources: [props.table.tableArn],
          // Only a projected read of where the report is and its digests: never the task token, the link
          // hashes or the rest of the record. `Null: false` refuses a read that names no attributes (a
          // whole-item GetItem), which `ForAllValues` alone would let through.
          // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_dynamodb_attributes.html
          // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
          conditions: {
            'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...AUDITOR_READABLE_ATTRIBUTES] },
            Null: { 'dynamodb:Attributes': 'false' },
          },
        }),
      ],
    });
  }
}
