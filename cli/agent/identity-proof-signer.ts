import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { IDENTITY_PROOF_HEADER, MAX_PROOF_SECONDS, type ProofPurpose, proofBinding } from '../../handlers/core/identity-proof';

export interface SignProofOptions {
  /** The credentials whose possession is proven; only a signature made with them leaves the process. */
  readonly credentials: AwsCredentialIdentity;
  /** STS endpoint the broker verifies with, e.g. `https://sts.eu-west-1.amazonaws.com`. */
  readonly endpoint: string;
  /** Region of the signature's credential scope (the broker's region). */
  readonly region: string;
  readonly purpose: ProofPurpose;
  readonly requestId: string;
  /** @default now */
  readonly signingDate?: Date;
  /** @default 300 */
  readonly expiresInSeconds?: number;
}

/**
 * A presigned `sts:GetCallerIdentity` URL that proves to the broker who holds `credentials`, bound to
 * one purpose and request by the signed `x-jit-proof` header (handlers/core/identity-proof.ts). The
 * secret access key never leaves this process; the URL carries the key id, the session token and the
 * signature, and is valid for five minutes.
 */
export async function signIdentityProof(options: SignProofOptions): Promise<string> {
  const endpoint = new URL(options.endpoint);
  const signer = new SignatureV4({ service: 'sts', region: options.region, credentials: options.credentials, sha256: Hash.bind(null, 'sha256') });
  const request = new HttpRequest({
    method: 'GET',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host: endpoint.host, [IDENTITY_PROOF_HEADER]: proofBinding(options.purpose, options.requestId) },
  });
  const signed = await signer.presign(request, {
    expiresIn: options.expiresInSeconds ?? MAX_PROOF_SECONDS,
    ...(options.signingDate ? { signingDate: options.signingDate } : {}),
  });
  const url = new URL(`${endpoint.origin}/`);
  for (const [name, value] of Object.entries(signed.query ?? {})) {
    if (typeof value === 'string') url.searchParams.set(name, value);
  }
  return url.toString();
}
