import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { CliError } from '../errors';
import { APPROVALS_URL_VARIABLE } from './approvals-url';
import { EXIT } from '../exit-codes';


/** What an approver route answered. */
export interface ApproverApiAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface ApproverApiOptions {
  /** Base URL of the broker's HTTP API, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com`. */
  readonly baseUrl: string;
  /** The hub region: the credential scope of the signature. */
  readonly region: string;
  /** The approver's own credentials; only the signature leaves the process. */
  readonly credentials: () => Promise<AwsCredentialIdentity>;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** The signing time (sandbox time in the sandbox). @default now */
  readonly now?: () => Date;
}

/**
 * The approver routes of the broker's HTTP API, called with a SigV4 signature (service `execute-api`)
 * made with the approver's own credentials. API Gateway verifies it and checks `execute-api:Invoke`;
 * the broker maps the caller's ARN to a configured approver. The approver's credentials need no access
 * to the request table or the state machine.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
 */
export class ApproverApi {
  private readonly base: URL;

  constructor(private readonly options: ApproverApiOptions) {
    try {
      this.base = new URL(options.baseUrl);
    } catch (error) {
      throw new CliError(`Not a URL: ${JSON.stringify(options.baseUrl)}.`, EXIT.CONFIG, `Set ${APPROVALS_URL_VARIABLE} to the stack output ApprovalApiUrl.`, { cause: error });
    }
  }

  /** `GET <path>` or `POST <path>` with a JSON body, signed. */
  async call(method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<ApproverApiAnswer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const basePath = this.base.pathname.replace(/\/$/, '');
    const request = new HttpRequest({
      method,
      protocol: this.base.protocol,
      hostname: this.base.hostname,
      ...(this.base.port ? { port: Number(this.base.port) } : {}),
      path: `${basePath}${path}`,
      headers: {
        host: this.base.host,
        accept: 'application/json',
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(payload !== undefined ? { body: payload } : {}),
    });
    let credentials: AwsCredentialIdentity;
    try {
      credentials = await this.options.credentials();
    } catch (error) {
      throw new CliError(`No AWS credentials to sign with: ${(error as Error).message}`, EXIT.AWS_ACCESS, 'Sign in as an approver (aws sso login, --profile, AWS_PROFILE).', { cause: error });
    }
    const signer = new SignatureV4({ service: 'execute-api', region: this.options.region, credentials, sha256: Hash.bind(null, 'sha256') });
    const signed = await signer.sign(request, this.options.now ? { signingDate: this.options.now() } : {});
    const url = `${this.base.origin}${signed.path}`;
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, {
        method,
        headers: Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host')),
        ...(payload !== undefined ? { body: payload } : {}),
      });
    } catch (error) {
      throw new CliError(`The approver routes at ${this.base.origin} could not be reached: ${(error as Error).message}`, EXIT.AWS_ACCESS, undefined, { cause: error });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : {};
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new CliError(`The approver route answered HTTP ${response.status} with something that is not JSON: ${text.slice(0, 200)}`, EXIT.FAILURE);
    }
    const answer = { status: response.status, body: parsed as Record<string, unknown> };
    refuseAccess(answer);
    return answer;
  }
}

/**
 * API Gateway's own refusals (no `outcome` in the body): a missing or bad signature, or IAM not allowing
 * `execute-api:Invoke`; and the broker's: a signed caller who is no configured approver.
 */
function refuseAccess(answer: ApproverApiAnswer): void {
  if (answer.status !== 403 && answer.status !== 401) return;
  // The broker's answer for an approver the request is not routed to: reported with the decision's outcome.
  if (answer.body.outcome === 'not-routed') return;
  if (answer.body.code === 'NOT_AN_APPROVER') {
    throw new CliError(`The broker refused: ${String(answer.body.message)}`, EXIT.REFUSED, 'Ask an operator to add your IAM identity to approval.iamPrincipals.');
  }
  throw new CliError(
    `AWS refused the call to the approver routes (HTTP ${answer.status}: ${String(answer.body.message ?? answer.body.Message ?? 'Forbidden')}).`,
    EXIT.AWS_ACCESS,
    'Approvers need the jit-approver managed policy (execute-api:Invoke on the approver routes) and valid credentials.',
  );
}
