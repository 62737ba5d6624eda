import { stateFilesWritten } from '../store/json-file';
import type { AwsRouter } from './aws-router';

/**
 * A signed AWS API call as its bytes and names, without a socket: what the broker's functions in the
 * sandbox send instead of an HTTP request (sandbox/engine/function-aws-transport.ts). It is the request the
 * SDK would have written on the wire, after every one of its steps (serialisation, the `host` and
 * `content-length` headers, the SigV4 signature): method, percent-encoded path, query string, headers by
 * lower-case name, body.
 */
export interface WireRequest {
  readonly method: string;
  readonly path: string;
  /** Without the `?`; empty when there is none. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** The answer as an HTTP client would read it: status, headers by lower-case name (with `content-length`), body. */
export interface WireResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** The trail's `sourceIPAddress` of a direct call: the loopback address the functions' HTTP calls came from. */
export const DIRECT_CALL_SOURCE_IP = '127.0.0.1';

/**
 * Answers a direct call as the sandbox's HTTP listener answers the same request (sandbox/http/server.ts):
 * through the AWS router, which checks its signature, authorizes it and records it in the trail, and only
 * once what it changed is on disk.
 */
export async function answerDirectCall(router: AwsRouter, request: WireRequest): Promise<WireResponse> {
  const response = await router.handle(
    {
      method: request.method,
      path: request.path,
      query: new URLSearchParams(request.query),
      headers: request.headers,
      body: Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength),
    },
    DIRECT_CALL_SOURCE_IP,
  );
  await stateFilesWritten();
  const payload = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) headers[name.toLowerCase()] = value;
  headers['content-length'] ??= String(payload.length);
  return { status: response.status, headers, body: request.method === 'HEAD' ? new Uint8Array(0) : payload };
}
