import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { CallTarget, GrantCredentials } from './elevation-target';

export interface CallOutcome {
  readonly status: number;
  readonly body: string;
}

/**
 * One EC2 query-API call (`Action=...&Version=2016-11-15`), SigV4-signed with a grant's credentials and
 * sent with fetch: the same request to AWS or the sandbox, without an EC2 SDK client.
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html
 */
export async function ec2Call(target: CallTarget, credentials: GrantCredentials, action: string): Promise<CallOutcome> {
  const url = new URL(target.endpoint ?? `https://ec2.${target.region}.amazonaws.com/`);
  const body = new URLSearchParams({ Action: action, Version: '2016-11-15' }).toString();
  const request = new HttpRequest({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  const signer = new SignatureV4({ credentials, region: target.region, service: 'ec2', sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign(request);
  const response = await fetch(url, { method: 'POST', headers: signed.headers, body });
  return { status: response.status, body: await response.text() };
}
