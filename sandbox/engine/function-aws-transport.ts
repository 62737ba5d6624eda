import { Readable } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import { buildQueryString } from '@smithy/core/protocols';
import { type HttpHandler, type HttpHandlerOptions, type HttpRequest, HttpResponse } from '@smithy/protocol-http';
import type { WireRequest, WireResponse } from '../http/direct-calls';

/**
 * How the broker's functions in the sandbox reach its AWS emulation: their SDK clients keep every step of
 * the real SDK (serialisation, endpoint, retries, the SigV4 signature, parsing the answer), and only the
 * last one, writing the request to a socket, is replaced. The signed request goes to the sandbox's AWS
 * router as data, which checks its signature, authorizes and records it exactly as it does a request that
 * came over HTTP (sandbox/http/direct-calls.ts).
 *
 * Why: at 200 grants at once, the sandbox's two cores spend their time on the broker's own AWS calls, and
 * Node.js's HTTP client and server (sockets, parsers, streams) were about a fifth of it (docs/performance.md,
 * "Direct calls"). In AWS every function has its own CPU and this cost is not the sandbox's to carry. The
 * agent, the CLI, the AWS CLI and the approver's browser still talk to the sandbox over HTTP.
 */

/** Sends a direct call and resolves with its answer. */
export type DirectCalls = (request: WireRequest) => Promise<WireResponse>;

/** Worker → main thread: one call. */
interface CallMessage {
  readonly id: number;
  readonly request: WireRequest;
}

/** Main thread → worker: its answer, or why the sandbox could not answer it. */
type AnswerMessage = { readonly id: number; readonly response: WireResponse } | { readonly id: number; readonly error: string };

async function bodyBytes(body: unknown): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (typeof body === 'string') return new Uint8Array(Buffer.from(body, 'utf8'));
  // A copy of exactly its bytes, which the port can transfer (a small Buffer is a view of a shared pool).
  if (body instanceof Uint8Array) return new Uint8Array(body);
  // A stream (Node.js's Readable is one) or any other async iterable of chunks.
  if (typeof body === 'object' && Symbol.asyncIterator in body) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return new Uint8Array(Buffer.concat(chunks));
  }
  throw new TypeError(`The sandbox's direct transport cannot send a request body of type ${typeof body}.`);
}

function abortError(): Error {
  const error = new Error('Request aborted');
  error.name = 'AbortError';
  return error;
}

/**
 * The SDK's `requestHandler` for the broker's functions in the sandbox: hands each signed request to
 * `send` instead of an HTTP connection. Only the sandbox's own endpoint is reachable this way; a request
 * for any other host is refused, never sent elsewhere.
 */
export class DirectCallHandler implements HttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  private readonly host: string;

  constructor(
    private readonly send: DirectCalls,
    /** The sandbox's URL: the endpoint every function's SDK client is given. */
    endpoint: string,
  ) {
    this.host = new URL(endpoint).host;
  }

  async handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    const host = `${request.hostname}${request.port ? `:${request.port}` : ''}`;
    if (host !== this.host) throw new Error(`The sandbox's direct transport reaches ${this.host} only, not ${host}.`);
    if (options.abortSignal?.aborted) throw abortError();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
    const answer = await this.send({
      method: request.method,
      path: request.path,
      query: request.query ? buildQueryString(request.query) : '',
      headers,
      body: await bodyBytes(request.body),
    });
    if (options.abortSignal?.aborted) throw abortError();
    const body = Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength);
    // A stream, as Node.js's HTTP handler gives it: streaming outputs (S3 GetObject) read it as one.
    return { response: new HttpResponse({ statusCode: answer.status, headers: { ...answer.headers }, body: Readable.from([body], { objectMode: false }) }) };
  }

  updateHttpClientConfig(): void {
    // Nothing to configure: there is no connection.
  }

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    // Nothing to close: there is no connection (a worker's port is the worker's).
  }
}

/** A worker's side: direct calls posted on `port` to the main thread, each resolved with its answer. */
export function directCallsOverPort(port: MessagePort): DirectCalls {
  let nextId = 1;
  const waiting = new Map<number, { resolve: (response: WireResponse) => void; reject: (error: Error) => void }>();
  port.on('message', (message: AnswerMessage) => {
    const call = waiting.get(message.id);
    if (!call) return;
    waiting.delete(message.id);
    if ('response' in message) call.resolve(message.response);
    else call.reject(new Error(`The sandbox failed to answer: ${message.error}`));
  });
  return (request) =>
    new Promise<WireResponse>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      port.postMessage({ id, request } satisfies CallMessage, [request.body.buffer as ArrayBuffer]);
    });
}

/**
 * The main thread's side: answers every call posted on `port` with `answer`. The port does not keep the
 * process alive (its worker does, until the sandbox stops it).
 */
export function serveDirectCalls(port: MessagePort, answer: DirectCalls): void {
  port.on('message', (message: CallMessage) => {
    answer(message.request).then(
      (response) => {
        // Exactly its bytes, transferred (a Buffer may be a view of a larger one, which a copy would clone whole).
        const body = new Uint8Array(response.body);
        port.postMessage({ id: message.id, response: { ...response, body } } satisfies AnswerMessage, [body.buffer]);
      },
      (error: unknown) => port.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) } satisfies AnswerMessage),
    );
  });
  // After the listener: attaching one refs the port again.
  port.unref();
}
