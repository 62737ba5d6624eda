import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface AwsClientOptions {
  /** Region every client talks to. */
  readonly region: string;
  /**
   * One URL for every AWS API, e.g. the local sandbox (`http://127.0.0.1:8787`), which serves the AWS
   * wire protocols there.
   * @default each service's own AWS endpoint
   */
  readonly endpoint?: string;
}

/**
 * The only place the CLI creates AWS SDK clients, so `--region` and `--endpoint` apply to every call.
 * Clients are created on first use and reused; credentials come from the standard provider chain
 * (the person's own profile, SSO session or environment).
 */
export class AwsClients {
  private readonly cache = new Map<string, unknown>();

  constructor(readonly options: AwsClientOptions) {}

  private config() {
    return { region: this.options.region, ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}) };
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

  s3(): S3Client {
    // One endpoint for every service (the sandbox) cannot route virtual-hosted bucket names.
    return this.once('s3', () => new S3Client({ ...this.config(), ...(this.options.endpoint ? { forcePathStyle: true } : {}) }));
  }
}
