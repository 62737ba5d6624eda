import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import { AwsError } from './aws-error';

/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape @smithy/signature-v4 asks for. */
export class NodeSha256 implements Checksum {
  private readonly hash;

  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }

  reset(): void {
    throw new Error('not needed for verification');
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** What the Authorization header says about the signature. */
export interface SignatureClaim {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;\-_.]+),\s*Signature=([0-9a-f]{64})$/;

/** Parses `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`. */
export function parseAuthorization(header: string | undefined): SignatureClaim {
  if (!header) throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
  const m = AUTHORIZATION.exec(header.trim());
  if (!m) {
    throw new AwsError('IncompleteSignature', 'Authorization header requires a SigV4 Credential, SignedHeaders and Signature (AWS4-HMAC-SHA256).', 403);
  }
  return { accessKeyId: m[1], date: m[2], region: m[3], service: m[4], signedHeaders: m[5].split(';'), signature: m[6] };
}

/** An HTTP request as it arrived, headers with lower-case names. */
export interface SignedRequest {
  readonly method: string;
  /** The path as sent on the wire (percent-encoded), without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface SigningSecret {
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** AWS accepts a request signed up to 15 minutes before or after its own clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

function parseAmzDate(value: string | undefined): Date {
  const m = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null;
  if (!m) throw new AwsError('IncompleteSignature', 'The request must carry an X-Amz-Date header (YYYYMMDDTHHMMSSZ).', 403);
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

function queryRecord(query: URLSearchParams): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const [name, value] of query) {
    const existing = record[name];
    record[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return record;
}

/** The values of the headers a caller signed; a signed header missing from the request fails. */
function signedHeaderValues(request: SignedRequest, signedHeaders: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) throw new AwsError('SignatureDoesNotMatch', `Signed header ${name} is missing from the request.`, 403);
    headers[name] = value;
  }
  return headers;
}

/** The SDK's own signer, set up as the caller's was: same key, scope, and path escaping. */
function signerFor(claim: SignatureClaim, secret: SigningSecret): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: claim.accessKeyId, secretAccessKey: secret.secretAccessKey, ...(secret.sessionToken ? { sessionToken: secret.sessionToken } : {}) },
    region: claim.region,
    service: claim.service,
    sha256: NodeSha256,
    // S3 signs the path as sent; every other service signs it URI-encoded once more.
    uriEscapePath: claim.service !== 's3',
    // Add nothing the caller did not sign.
    applyChecksum: false,
  });
}

function assertSameSignature(expected: string, provided: string): void {
  if (expected.length !== provided.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(provided))) {
    throw new AwsError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      403,
    );
  }
}

/**
 * Checks a SigV4 header signature by signing the request again with the caller's secret through
 * @smithy/signature-v4 (the SDK's own signer) and comparing: only the headers the caller signed, the
 * date it signed at, the region and service of its credential scope. Also checks the clock skew, the
 * session token of temporary credentials, and that a declared payload hash matches the body.
 *
 * @throws AwsError `SignatureDoesNotMatch`, `InvalidSignatureException`-style refusals as AWS words them.
 */
export async function verifySignature(request: SignedRequest, claim: SignatureClaim, secret: SigningSecret, now: Date = new Date()): Promise<void> {
  const amzDate = request.headers['x-amz-date'];
  const signingDate = parseAmzDate(amzDate);
  if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    throw new AwsError('SignatureDoesNotMatch', `Signature expired: ${amzDate} is more than 15 minutes away from the server's time.`, 403);
  }
  if (amzDate.slice(0, 8) !== claim.date) {
    throw new AwsError('SignatureDoesNotMatch', 'The credential scope date does not match X-Amz-Date.', 403);
  }
  for (const required of ['host', 'x-amz-date']) {
    if (!claim.signedHeaders.includes(required)) throw new AwsError('SignatureDoesNotMatch', `The ${required} header must be signed.`, 403);
  }
  const token = request.headers['x-amz-security-token'];
  if (secret.sessionToken !== undefined) {
    if (token !== secret.sessionToken || !claim.signedHeaders.includes('x-amz-security-token')) {
      throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
    }
  } else if (token !== undefined) {
    throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
  }

  const declaredHash = request.headers['x-amz-content-sha256'];
  if (declaredHash && /^[0-9a-f]{64}$/.test(declaredHash)) {
    const actual = request.body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(request.body).digest('hex');
    if (actual !== declaredHash) throw new AwsError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", 400);
  }

  const headers = signedHeaderValues(request, claim.signedHeaders);
  const signer = signerFor(claim, secret);
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: request.path,
      query: queryRecord(request.query),
      headers,
      body: request.body.length > 0 ? new Uint8Array(request.body) : undefined,
    },
    { signingDate, signingRegion: claim.region, signingService: claim.service, signableHeaders: new Set(claim.signedHeaders) },
  );
  assertSameSignature(/Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '', claim.signature);
}

/** A SigV4 signature carried in the query string (a presigned URL), with how long it is valid. */
export interface PresignedClaim extends SignatureClaim {
  readonly amzDate: string;
  readonly expiresInSeconds: number;
  readonly sessionToken?: string;
}

const PRESIGN_PARAMETERS = new Set([
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
]);

/** SigV4 allows a presigned URL to live at most seven days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** Reads a presigned request's signature from its query string; undefined when the request is not presigned. */
export function parsePresigned(query: URLSearchParams): PresignedClaim | undefined {
  if (!query.has('X-Amz-Signature')) return undefined;
  const credential = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(query.get('X-Amz-Credential') ?? '');
  const signature = query.get('X-Amz-Signature') ?? '';
  const expires = Number(query.get('X-Amz-Expires'));
  if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || !credential || !/^[0-9a-f]{64}$/.test(signature)) {
    throw new AwsError('IncompleteSignature', 'A presigned request needs X-Amz-Algorithm AWS4-HMAC-SHA256, X-Amz-Credential and X-Amz-Signature.', 403);
  }
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_SECONDS) {
    throw new AwsError('AuthorizationQueryParametersError', 'X-Amz-Expires must be a whole number of seconds from 1 to 604800.', 400);
  }
  const token = query.get('X-Amz-Security-Token');
  return {
    accessKeyId: credential[1],
    date: credential[2],
    region: credential[3],
    service: credential[4],
    signedHeaders: (query.get('X-Amz-SignedHeaders') ?? '').split(';').filter(Boolean),
    signature,
    amzDate: query.get('X-Amz-Date') ?? '',
    expiresInSeconds: expires,
    ...(token ? { sessionToken: token } : {}),
  };
}

/**
 * Checks a presigned request the way `verifySignature` checks a header-signed one: presigns it again with
 * @smithy/signature-v4 at the same date and lifetime, over the headers the caller signed, and compares.
 * Also checks that it has not expired and that temporary credentials carry their session token.
 */
export async function verifyPresignedSignature(request: SignedRequest, claim: PresignedClaim, secret: SigningSecret, now: Date = new Date()): Promise<void> {
  const signingDate = parseAmzDate(claim.amzDate);
  if (claim.amzDate.slice(0, 8) !== claim.date) throw new AwsError('SignatureDoesNotMatch', 'The credential scope date does not match X-Amz-Date.', 403);
  if (signingDate.getTime() - now.getTime() > MAX_CLOCK_SKEW_MS) {
    throw new AwsError('SignatureDoesNotMatch', `Signature not yet current: ${claim.amzDate} is later than the server's time.`, 403);
  }
  if (now.getTime() > signingDate.getTime() + claim.expiresInSeconds * 1000) {
    throw new AwsError('SignatureDoesNotMatch', 'Signature expired: the presigned request is past its X-Amz-Expires.', 403);
  }
  if (!claim.signedHeaders.includes('host')) throw new AwsError('SignatureDoesNotMatch', 'The host header must be signed.', 403);
  if ((secret.sessionToken ?? undefined) !== claim.sessionToken) {
    throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
  }
  const headers = signedHeaderValues(request, claim.signedHeaders);
  const query = new URLSearchParams([...request.query].filter(([name]) => !PRESIGN_PARAMETERS.has(name)));
  const signer = signerFor(claim, secret);
  const signed = await signer.presign(
    { method: request.method, protocol: 'http:', hostname: headers.host ?? '', path: request.path, query: queryRecord(query), headers },
    { signingDate, expiresIn: claim.expiresInSeconds, signingRegion: claim.region, signingService: claim.service, signableHeaders: new Set(claim.signedHeaders) },
  );
  assertSameSignature(String(signed.query?.['X-Amz-Signature'] ?? ''), claim.signature);
}
