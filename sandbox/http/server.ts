import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsResponse } from './aws-call';
import type { AwsRouter } from './aws-router';
import type { SignedRequest } from './sigv4';
import { stateFilesWritten } from '../store/json-file';

/** The largest request body the sandbox reads (S3 reports are far smaller). */
const MAX_BODY = 10 * 1024 * 1024;

/** A plain (unsigned) HTTP request: the review pages and the sandbox's own pages. */
export interface PageRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly sourceIp: string;
}

export type PageHandler = (request: PageRequest) => Promise<AwsResponse>;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

/**
 * A request is an AWS API call when it carries a SigV4 signature (or tries to). A bearer token is not
 * one: it is how the broker calls Slack's Web API, which the sandbox's Slack stand-in serves.
 */
function isAwsCall(headers: Readonly<Record<string, string>>, query: URLSearchParams): boolean {
  const bearer = /^Bearer /.test(headers.authorization ?? '');
  return (headers.authorization !== undefined && !bearer) || query.has('X-Amz-Signature') || headers['x-amz-target'] !== undefined;
}

/**
 * The sandbox's one HTTP listener: AWS API calls (anything signed) go to the AWS router, everything else
 * to the pages (review links, outbox, status).
 */
export class SandboxServer {
  private server?: Server;

  constructor(
    private readonly aws: AwsRouter,
    private readonly pages: PageHandler,
  ) {}

  listen(host: string, port: number): Promise<string> {
    this.server = createServer((req, res) => void this.serve(req, res));
    this.server.keepAliveTimeout = 5000;
    const server = this.server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const address = server.address() as AddressInfo;
        resolve(`http://${host}:${address.port}`);
      });
    });
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://sandbox');
      const headers = headersOf(req);
      const rawPath = (req.url ?? '/').split('?')[0];
      const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
      const response = isAwsCall(headers, url.searchParams)
        ? await this.aws.handle({ method: req.method ?? 'GET', path: rawPath, query: url.searchParams, headers, body } satisfies SignedRequest, sourceIp)
        : await this.pages({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers, body, sourceIp });
      // What the request changed is on disk before the caller hears it was done.
      await stateFilesWritten();
      const payload = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
      res.writeHead(response.status, { ...response.headers, 'content-length': String(response.headers['content-length'] ?? payload.length) });
      res.end(req.method === 'HEAD' ? undefined : payload);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`The sandbox failed: ${(error as Error).message}\n`);
    }
  }
}
