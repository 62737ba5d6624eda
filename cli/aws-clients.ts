import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentity } from '@aws-sdk/types';

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
    return this.once('dynamodb', () => DynamoDBDocumentClient.from(new DynamoDBClient(this.config())));
  }

  sfn(): SFNClient {
    return this.once('sfn', () => new SFNClient(this.config()));
  }

  sesv2(): SESv2Client {
    return this.once('sesv2', () => new SESv2Client(this.config()));
  }

  sts(): STSClient {
    return this.once('sts', () => new STSClient(this.config()));
  }

  eventBridge(): EventBridgeClient {
    return this.once('eventbridge', () => new EventBridgeClient(this.config()));
  }

  secretsManager(): SecretsManagerClient {
    return this.once('secretsmanager', () => new SecretsManagerClient(this.config()));
  }

  sqs(): SQSClient {
    return this.once('sqs', () => new SQSClient(this.config()));
  }

  lambda(): LambdaClient {
    return this.once('lambda', () => new LambdaClient(this.config()));
  }

  cloudFormation(): CloudFormationClient {
    return this.once('cloudformation', () => new CloudFormationClient(this.config()));
  }

  /** IAM is global; its endpoint is the same from every region. */
  iam(): IAMClient {
    return this.once('iam', () => new IAMClient(this.config()));
  }

  /** CloudTrail in the clients' region, or in another (a trail's home region). */
  cloudTrail(region = this.options.region): CloudTrailClient {
    return this.once(`cloudtrail:${region}`, () => new CloudTrailClient({ ...this.config(), region }));
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
    return this.once('s3', () => new S3Client({ ...this.config(), ...(this.options.endpoint ? { forcePathStyle: true } : {}) }));
  }
}
