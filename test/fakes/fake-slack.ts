import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake Slack received. */
export interface SlackCall {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  /** For chat.postMessage: the ts the stand-in answered with. */
  ts?: string;
}

/**
 * Slack's Web API and response URLs on a local port, answering as Slack documents: chat.postMessage
 * returns `{ok, channel, ts, message}` (a DM posted to a user id answers with a `D...` channel),
 * chat.update returns `{ok, channel, ts, text}`, a wrong token gets HTTP 200 with `ok: false,
 * error: "invalid_auth"`, and a response URL answers 200.
 *
 * @see https://api.slack.com/methods/chat.postMessage
 * @see https://docs.slack.dev/reference/methods/chat.update
 */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  private server?: Server;
  private sequence = 0;
  url = '';

  constructor(private readonly botToken: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        const path = req.url ?? '/';
        this.calls.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(this.answer(path, req.headers, body)));
      });
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  stop(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** The ts this stand-in answered the `index`th chat.postMessage (since `calls` was last emptied) with. */
  postedTs(index: number): string {
    const call = this.api('chat.postMessage')[index];
    if (!call) throw new Error(`No chat.postMessage number ${index}`);
    return String(call.ts);
  }

  /** Calls to one Web API method, e.g. `chat.postMessage`. */
  api(method: string): SlackCall[] {
    return this.calls.filter((c) => c.path === `/api/${method}`);
  }

  /** Calls to response URLs (`/respond/...`). */
  responses(): SlackCall[] {
    return this.calls.filter((c) => c.path.startsWith('/respond/'));
  }

  private answer(path: string, headers: IncomingHttpHeaders, body: Record<string, unknown>): Record<string, unknown> {
    if (path.startsWith('/respond/')) return { ok: true };
    if (headers.authorization !== `Bearer ${this.botToken}`) return { ok: false, error: 'invalid_auth' };
    const channel = String(body.channel ?? '');
    if (path === '/api/chat.postMessage') {
      this.sequence += 1;
      const posted = channel.startsWith('U') ? `D${channel.slice(1)}` : channel;
      const ts = `1764633600.${String(this.sequence).padStart(6, '0')}`;
      const call = this.calls.at(-1);
      if (call) call.ts = ts;
      return { ok: true, channel: posted, ts, message: { type: 'message', text: body.text, blocks: body.blocks, ts } };
    }
    if (path === '/api/chat.update') return { ok: true, channel, ts: body.ts, text: body.text };
    return { ok: false, error: 'unknown_method' };
  }
}
