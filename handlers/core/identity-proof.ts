import type { Validation } from './elevation-request';

/**
 * Proof of identity by a presigned `sts:GetCallerIdentity` request (the pattern of Vault's AWS auth and
 * the EKS IAM authenticator). The caller signs the request with the credentials it claims to hold and
 * hands over the URL, never the secret key; the broker sends it to STS itself and reads back the ARN STS
 * authenticated. Nobody can produce a valid signature without the secret access key, and STS answers
 * GetCallerIdentity even under an explicit deny, so the proof also works for a session being revoked.
 *
 * The proof is bound to one purpose and one request by a signed header (`x-jit-proof`), which the broker
 * sends with the value it expects: a proof made for another request or purpose fails STS's signature
 * check. The broker only ever contacts its own STS endpoint, never a host named in the proof.
 */

/** Signed header that binds a proof to what it is for. */
export const IDENTITY_PROOF_HEADER = 'x-jit-proof';

/** What a proof may be used for. */
export type ProofPurpose = 'end' | 'revoke';

/** Longest a proof stays valid. Short: it is used within seconds of being made. */
export const MAX_PROOF_SECONDS = 300;

/** How far a proof's signing time may be from the broker's clock. STS itself allows 15 minutes. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** Longest proof URL accepted; a session token makes it about 1.5 KB. */
export const MAX_PROOF_LENGTH = 4096;

const ALLOWED_PARAMETERS = new Set([
  'Action',
  'Version',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
]);

/** The header value that binds a proof to a purpose and a request. */
export function proofBinding(purpose: ProofPurpose, requestId: string): string {
  return `${purpose}:${requestId}`;
}

/** `20261128T100000Z` → Date. */
function amzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Checks that a proof is a presigned GetCallerIdentity for the broker's STS endpoint, signed over the
 * binding header, fresh and short-lived. Returns the query string to send; the broker builds the URL
 * from its own endpoint and this query, so a proof can never point the broker at another host.
 */
export function checkIdentityProof(proof: unknown, expected: { readonly endpoint: URL; readonly now: Date }): Validation<{ query: string }> {
  const problems: string[] = [];
  if (typeof proof !== 'string' || proof.length === 0) return { ok: false, problems: ['proof: missing'] };
  if (proof.length > MAX_PROOF_LENGTH) return { ok: false, problems: [`proof: longer than ${MAX_PROOF_LENGTH} characters`] };
  let url: URL;
  try {
    url = new URL(proof);
  } catch {
    return { ok: false, problems: ['proof: not a URL'] };
  }
  if (url.protocol !== expected.endpoint.protocol || url.host !== expected.endpoint.host) {
    problems.push(`proof: must be signed for ${expected.endpoint.host}`);
  }
  if (url.pathname !== '/' || url.hash !== '' || url.username !== '' || url.password !== '') problems.push('proof: must be the STS root path');
  const params = url.searchParams;
  for (const name of new Set(params.keys())) {
    if (!ALLOWED_PARAMETERS.has(name)) problems.push(`proof: unexpected parameter ${name}`);
    if (params.getAll(name).length > 1) problems.push(`proof: parameter ${name} repeated`);
  }
  if (params.get('Action') !== 'GetCallerIdentity' || params.get('Version') !== '2011-06-15') {
    problems.push('proof: must be an sts:GetCallerIdentity request');
  }
  if (params.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') problems.push('proof: must be signed with AWS4-HMAC-SHA256');
  if (!/^[A-Z0-9]{16,128}\/\d{8}\/[a-z0-9-]+\/sts\/aws4_request$/.test(params.get('X-Amz-Credential') ?? '')) {
    problems.push('proof: credential scope must be for sts');
  }
  const signed = (params.get('X-Amz-SignedHeaders') ?? '').split(';');
  if (!signed.includes('host') || !signed.includes(IDENTITY_PROOF_HEADER)) {
    problems.push(`proof: must sign the host and ${IDENTITY_PROOF_HEADER} headers`);
  }
  if (!/^[0-9a-f]{64}$/.test(params.get('X-Amz-Signature') ?? '')) problems.push('proof: no signature');
  const expires = Number(params.get('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PROOF_SECONDS) {
    problems.push(`proof: must expire within ${MAX_PROOF_SECONDS} seconds`);
  }
  const signedAt = amzDate(params.get('X-Amz-Date') ?? '');
  if (!signedAt) {
    problems.push('proof: no signing time');
  } else {
    const now = expected.now.getTime();
    if (signedAt.getTime() > now + MAX_CLOCK_SKEW_MS) problems.push('proof: signed in the future');
    else if (Number.isInteger(expires) && signedAt.getTime() + expires * 1000 < now - MAX_CLOCK_SKEW_MS) problems.push('proof: expired');
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { query: url.search.slice(1) } };
}

/** An STS assumed-role session ARN, taken apart. */
export interface AssumedRoleSession {
  readonly partition: string;
  readonly accountId: string;
  readonly roleName: string;
  readonly sessionName: string;
}

/** `arn:aws:sts::222222222222:assumed-role/AgentElevated-Ops/jit-req-1` → its parts; anything else → undefined. */
export function assumedRoleSessionOf(arn: string): AssumedRoleSession | undefined {
  const m = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([A-Za-z0-9+=,.@_-]{1,64})\/([A-Za-z0-9+=,.@_-]{2,64})$/.exec(arn);
  return m ? { partition: m[1], accountId: m[2], roleName: m[3], sessionName: m[4] } : undefined;
}
