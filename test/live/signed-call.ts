import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { CallTarget, GrantCredentials } from './elevation-target';

export interface CallOutcome {
  readonly status: number;
  readonly body: string;
}

/**
 * One query-API call (`Action=...&Version=...`), SigV4-signed with a grant's credentials and sent with
 * fetch: the same request to AWS or the sandbox, without an SDK client.
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/iam-api.pdf
 */
export async function queryCall(
  target: CallTarget,
  credentials: GrantCredentials,
  call: { readonly service: string; readonly host: string; readonly version: string; readonly action: string; readonly params?: Readonly<Record<string, string>> },
): Promise<CallOutcome> {
  const url = new URL(target.endpoint ?? `https://${call.host}/`);
  const body = new URLSearchParams({ Action: call.action, Version: call.version, ...call.params }).toString();
  const request = new HttpRequest({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  const signer = new SignatureV4({ credentials, region: target.region, service: call.service, sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign(request);
  const response = await fetch(url, { method: 'POST', headers: signed.headers, body });
  return { status: response.status, body: await response.text() };
}

/** One EC2 call in the target's region. */
export function ec2Call(target: CallTarget, credentials: GrantCredentials, action: string, params?: Readonly<Record<string, string>>): Promise<CallOutcome> {
  return queryCall(target, credentials, { service: 'ec2', host: `ec2.${target.region}.amazonaws.com`, version: '2016-11-15', action, ...(params ? { params } : {}) });
}

/**
 * One IAM call: IAM has a single endpoint, signed for us-east-1, where CloudTrail records its calls.
 * @see https://docs.aws.amazon.com/general/latest/gr/iam-service.html
 */
export function iamCall(target: CallTarget, credentials: GrantCredentials, action: string): Promise<CallOutcome> {
  return queryCall({ ...target, region: 'us-east-1' }, credentials, { service: 'iam', host: 'iam.amazonaws.com', version: '2010-05-08', action });
}
