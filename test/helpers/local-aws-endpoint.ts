import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsError } from '../../sandbox/models/aws-error';
import { SecretsManagerModel, inMemorySecretsStore } from '../../sandbox/models/secrets-manager';
import { type SignatureFacts, signatureFacts, verifySignature } from './sigv4';

/** A principal the endpoint knows: its keys and the ARN GetCallerIdentity answers. */
export interface KnownKey {
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly arn: string;
}

/** One request the endpoint received, with what its signature proved. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly operation: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly facts?: SignatureFacts;
  /** The signature verified with the secret key of `facts.accessKeyId`, and the session token matched. */
  readonly authentic: boolean;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function stsError(code: string, message: string): { status: number; type: string; body: string } {
  return {
    status: 403,
    type: 'text/xml',
    body: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>local</RequestId></ErrorResponse>`,
  };
}

/**
 * A local stand-in for the AWS APIs that AWS tools call in these tests, on 127.0.0.1, that checks every
 * SigV4 signature (test/helpers/sigv4.ts) against the keys it knows:
 * - STS `GetCallerIdentity`, header-signed (POST, as the AWS CLI and SDKs send it) or presigned (GET,
 *   as the broker sends an identity proof); answers the ARN of the key that signed;
 * - Secrets Manager `GetSecretValue` (JSON protocol), answering from `secrets`, which keeps versions and
 *   staging labels with the Secrets Manager model (sandbox/models/secrets-manager.ts).
 * A request whose signature does not verify gets STS's `SignatureDoesNotMatch` (or the JSON equivalent).
 */
export class LocalAwsEndpoint {
  readonly keys = new Map<string, KnownKey>();
  private readonly secretsModel = new SecretsManagerModel(inMemorySecretsStore(), () => new Date());
  /** The secrets' current values: `set` writes a new AWSCURRENT version, as PutSecretValue does. */
  readonly secrets = {
    set: (name: string, value: string): void => {
      if (this.secretsModel.current(name)) this.secretsModel.putSecretValue(name, { value });
      else this.secretsModel.create({ name, account: '111111111111', region: 'eu-west-1', initialValue: value });
    },
    get: (name: string): string | undefined => this.secretsModel.current(name)?.value,
  };
  readonly received: ReceivedRequest[] = [];
  /**
   * The broker's IAM-authorized approver routes (SigV4 service `execute-api`): called with the caller a
   * verified signature names, as API Gateway passes it on. Unsigned or forged calls get 403 first.
   */
  executeApi?: (call: { method: string; path: string; body: Buffer; callerArn: string }) => Promise<{ status: number; type: string; body: string }>;
  private server?: Server;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, type, body }) => {
          // No keep-alive: an idle client socket would keep the test process running.
          res.writeHead(status, { 'content-type': type, connection: 'close' });
          res.end(body);
        },
        (error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        },
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    // A shared endpoint may outlive its tests; it must not keep the process alive.
    this.server.unref();
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private authenticate(method: string, url: string, headers: IncomingMessage['headers'], body: Buffer): { facts?: SignatureFacts; key?: KnownKey; authentic: boolean } {
    const facts = signatureFacts({ method, url, headers, body });
    if (!facts) return { authentic: false };
    const key = this.keys.get(facts.accessKeyId);
    const authentic = key !== undefined && verifySignature({ method, url, headers, body }, facts, key.secretAccessKey) && facts.sessionToken === key.sessionToken;
    return { facts, ...(key ? { key } : {}), authentic };
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; type: string; body: string }> {
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const target = req.headers['x-amz-target'];
    const query = new URL(url, 'http://local').searchParams;
    const form = new URLSearchParams(body.toString('utf8'));
    const operation = typeof target === 'string' ? target : (query.get('Action') ?? form.get('Action') ?? 'unknown');
    const { facts, key, authentic } = this.authenticate(method, url, req.headers, body);
    this.received.push({ method, url, operation, headers: req.headers, ...(facts ? { facts } : {}), authentic });

    if (facts?.service === 'execute-api' || (!facts && new URL(url, 'http://local').pathname.startsWith('/approvals'))) {
      if (!authentic || !key || !this.executeApi) return { status: 403, type: 'application/json', body: JSON.stringify({ message: 'Forbidden' }) };
      return this.executeApi({ method, path: new URL(url, 'http://local').pathname, body, callerArn: key.arn });
    }
    if (operation === 'secretsmanager.GetSecretValue') {
      if (!authentic) return { status: 400, type: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' }) };
      const input = JSON.parse(body.toString('utf8')) as { SecretId: string; VersionId?: string; VersionStage?: string };
      try {
        const found = this.secretsModel.getSecretValue(input.SecretId, {
          ...(input.VersionId ? { versionId: input.VersionId } : {}),
          ...(input.VersionStage ? { versionStage: input.VersionStage } : {}),
        });
        return {
          status: 200,
          type: 'application/x-amz-json-1.1',
          body: JSON.stringify({ ARN: found.arn, Name: found.name, SecretString: found.value, VersionId: found.versionId, VersionStages: found.stages, CreatedDate: Date.parse(found.createdAt) / 1000 }),
        };
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        return { status: error.status, type: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: error.code, message: error.message }) };
      }
    }
    if (operation === 'GetCallerIdentity') {
      if (!facts || !key) return stsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
      if (!authentic) return stsError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
      if (facts.presigned) {
        const signedAt = Date.parse(facts.amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
        if (signedAt + (facts.expiresSeconds ?? 0) * 1000 < Date.now()) return stsError('ExpiredToken', 'The presigned request has expired.');
      }
      const account = key.arn.split(':')[4];
      return {
        status: 200,
        type: 'text/xml',
        body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${xmlEscape(key.arn)}</Arn><UserId>AROALOCAL:${facts.accessKeyId}</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      };
    }
    return stsError('InvalidAction', `Not served here: ${operation}`);
  }
}
