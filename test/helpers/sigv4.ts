import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * An independent SigV4 check (AWS's "Signature Version 4 signing process", written from the spec, not
 * with the SDK's signer), for the requests AWS tools send to a local endpoint: header-signed
 * (`Authorization: AWS4-HMAC-SHA256 ...`) and presigned (`X-Amz-Signature` in the query).
 */

export interface SignedRequestParts {
  readonly method: string;
  /** Path and query exactly as received, e.g. `/?Action=GetCallerIdentity&...`. */
  readonly url: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface SignatureFacts {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** The session token the request carried (header or query), if any. */
  readonly sessionToken?: string;
  readonly presigned: boolean;
  /** When signed (X-Amz-Date). */
  readonly amzDate: string;
  /** Presigned only. */
  readonly expiresSeconds?: number;
}

/** RFC 3986 encoding, as SigV4 wants it. */
function uriEncode(text: string, encodeSlash = true): string {
  const encoded = encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return encodeSlash ? encoded : encoded.replace(/%2F/g, '/');
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function headerValue(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text.trim().replace(/\s+/g, ' ');
}

/** Reads who signed and how; undefined when the request is not SigV4-signed. */
export function signatureFacts(request: SignedRequestParts): SignatureFacts | undefined {
  const url = new URL(request.url, 'http://local');
  const auth = headerValue(request.headers.authorization);
  let m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (m) {
    const token = headerValue(request.headers['x-amz-security-token']);
    return {
      accessKeyId: m[1],
      date: m[2],
      region: m[3],
      service: m[4],
      signedHeaders: m[5].split(';'),
      signature: m[6],
      ...(token ? { sessionToken: token } : {}),
      presigned: false,
      amzDate: headerValue(request.headers['x-amz-date']),
    };
  }
  const q = url.searchParams;
  m = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(q.get('X-Amz-Credential') ?? '');
  if (m && q.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256' && q.get('X-Amz-Signature')) {
    return {
      accessKeyId: m[1],
      date: m[2],
      region: m[3],
      service: m[4],
      signedHeaders: (q.get('X-Amz-SignedHeaders') ?? '').split(';'),
      signature: q.get('X-Amz-Signature') ?? '',
      ...(q.get('X-Amz-Security-Token') ? { sessionToken: q.get('X-Amz-Security-Token') ?? '' } : {}),
      presigned: true,
      amzDate: q.get('X-Amz-Date') ?? '',
      expiresSeconds: Number(q.get('X-Amz-Expires')),
    };
  }
  return undefined;
}

/** The signature the request must carry if it was signed with `secretAccessKey`. */
export function expectedSignature(request: SignedRequestParts, facts: SignatureFacts, secretAccessKey: string): string {
  const url = new URL(request.url, 'http://local');
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of url.searchParams) if (!(facts.presigned && name === 'X-Amz-Signature')) pairs.push([uriEncode(name), uriEncode(value)]);
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const canonicalQuery = pairs.map(([n, v]) => `${n}=${v}`).join('&');
  const canonicalHeaders = facts.signedHeaders.map((name) => `${name}:${headerValue(request.headers[name])}\n`).join('');
  // UNSIGNED-PAYLOAD is S3's alone; every other service signs the body's hash (empty for a presigned GET).
  const payloadHash = headerValue(request.headers['x-amz-content-sha256']) || sha256Hex(request.body);
  const canonicalRequest = [
    request.method,
    uriEncode(decodeURIComponent(url.pathname), false),
    canonicalQuery,
    canonicalHeaders,
    facts.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${facts.date}/${facts.region}/${facts.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', facts.amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, facts.date), facts.region), facts.service), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}

/** True when the request's signature is the one `secretAccessKey` makes. */
export function verifySignature(request: SignedRequestParts, facts: SignatureFacts, secretAccessKey: string): boolean {
  const expected = Buffer.from(expectedSignature(request, facts, secretAccessKey), 'hex');
  const actual = Buffer.from(facts.signature, 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
