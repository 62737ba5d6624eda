import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { STSClient } from '@aws-sdk/client-sts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentity } from '@aws-sdk/types';

/*
 * Each SDK package is required on first use, not imported: loading one client package costs tens of
 * milliseconds, and `jit creds` (run by AWS tools before each call) needs Secrets Manager only.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const sdk = {
  cloudFormation: () => require('@aws-sdk/client-cloudformation') as typeof import('@aws-sdk/client-cloudformation'),
  cloudTrail: () => require('@aws-sdk/client-cloudtrail') as typeof import('@aws-sdk/client-cloudtrail'),
  iam: () => require('@aws-sdk/client-iam') as typeof import('@aws-sdk/client-iam'),
  dynamoDb: () => require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb'),
  documentClient: () => require('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb'),
  eventBridge: () => require('@aws-sdk/client-eventbridge') as typeof import('@aws-sdk/client-eventbridge'),
  lambda: () => require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda'),
  s3: () => require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3'),
  kms: () => require('@aws-sdk/client-kms') as typeof import('@aws-sdk/client-kms'),
  secretsManager: () => require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager'),
  sesv2: () => require('@aws-sdk/client-sesv2') as typeof import('@aws-sdk/client-sesv2'),
  sfn: () => require('@aws-sdk/client-sfn') as typeof import('@aws-sdk/client-sfn'),
  sqs: () => require('@aws-sdk/client-sqs') as typeof import('@aws-sdk/client-sqs'),
  sts: () => require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

export interface AwsClientOptions {
  /** Region every client talks to. */
  readonly region: string;
  /**
   * One URL for every AWS API, e.g. the local sandbox (`http://127.0.0.1:8787`), which serves the AWS
   * wire protocols there.
   * @default each service's own AWS endpoint
   */
  readonly endpoint?: string;
  /**
   * The shared-config profile of the caller's own credentials (`--profile`, `JIT_PROFILE`).
   * @default the standard provider chain (AWS_PROFILE, environment, SSO, instance role, ...)
   */
  readonly profile?: string;
}

/**
 * The only place the CLI creates AWS SDK clients, so `--region`, `--endpoint` and `--profile` apply to
 * every call. Clients are created on first use and reused; credentials come from the standard provider
 * chain (the person's or agent's own profile, SSO session, environment or instance role).
 */
export class AwsClients {
  private readonly cache = new Map<string, unknown>();

  constructor(readonly options: AwsClientOptions) {}

  private config() {
    return {
      region: this.options.region,
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      ...(this.options.profile ? { profile: this.options.profile } : {}),
    };
  }

  private once<T>(key: string, create: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, create());
    return this.cache.get(key) as T;
  }

  dynamoDb(): DynamoDBDocumentClient {
    return this.once('dynamodb', () => sdk.documentClient().DynamoDBDocumentClient.from(new (sdk.dynamoDb().DynamoDBClient)(this.config())));
  }

  sfn(): SFNClient {
    return this.once('sfn', () => new (sdk.sfn().SFNClient)(this.config()));
  }

  sesv2(): SESv2Client {
    return this.once('sesv2', () => new (sdk.sesv2().SESv2Client)(this.config()));
  }

  sts(): STSClient {
    return this.once('sts', () => new (sdk.sts().STSClient)(this.config()));
  }

  eventBridge(): EventBridgeClient {
    return this.once('eventbridge', () => new (sdk.eventBridge().EventBridgeClient)(this.config()));
  }

  secretsManager(): SecretsManagerClient {
    return this.once('secretsmanager', () => new (sdk.secretsManager().SecretsManagerClient)(this.config()));
  }

  sqs(): SQSClient {
    return this.once('sqs', () => new (sdk.sqs().SQSClient)(this.config()));
  }

  lambda(): LambdaClient {
    return this.once('lambda', () => new (sdk.lambda().LambdaClient)(this.config()));
  }

  /** CloudFormation in the clients' region, or in another (a tripwire forwarder stack's). */
  cloudFormation(region = this.options.region): CloudFormationClient {
    return this.once(`cloudformation:${region}`, () => new (sdk.cloudFormation().CloudFormationClient)({ ...this.config(), region }));
  }

  /** IAM is global; its endpoint is the same from every region. */
  iam(): IAMClient {
    return this.once('iam', () => new (sdk.iam().IAMClient)(this.config()));
  }

  /** CloudTrail in the clients' region, or in another (a trail's home region). */
  cloudTrail(region = this.options.region): CloudTrailClient {
    return this.once(`cloudtrail:${region}`, () => new (sdk.cloudTrail().CloudTrailClient)({ ...this.config(), region }));
  }

  /** The caller's own credentials, as the clients resolve them (to sign an identity proof). */
  async credentials(): Promise<AwsCredentialIdentity> {
    return this.sts().config.credentials();
  }

  /** The STS endpoint identity proofs are signed for: `--endpoint`, else the region's own. */
  stsEndpoint(): string {
    return this.options.endpoint ?? `https://sts.${this.options.region}.amazonaws.com`;
  }

  s3(): S3Client {
    // One endpoint for every service (the sandbox) cannot route virtual-hosted bucket names.
    return this.once('s3', () => new (sdk.s3().S3Client)({ ...this.config(), ...(this.options.endpoint ? { forcePathStyle: true } : {}) }));
  }

  /** KMS, for the public key that verifies report manifests (`jit report`). */
  kms(): KMSClient {
    return this.once('kms', () => new (sdk.kms().KMSClient)(this.config()));
  }
}
