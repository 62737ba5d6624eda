import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { AwsResponse } from './http/aws-call';
import { escapeXml as escape } from './http/protocols';
import type { PageRequest } from './http/server';
import type { OutboxEntry } from './services/sesv2';

export interface PagesSources {
  readonly url: () => string;
  readonly outbox: () => OutboxEntry[];
  readonly outboxFile: (file: string) => Buffer | undefined;
  readonly requests: () => Array<Record<string, unknown>>;
  readonly events: () => Array<{ bus: string; event: { time: string; source: string; 'detail-type': string; detail: Record<string, unknown> } }>;
  readonly reportKeys: () => string[];
  readonly report: (key: string) => Buffer | undefined;
  /** The approval endpoint's Lambda handler (handlers/lambda/approval-web). */
  readonly review: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

function page(title: string, body: string, status = 200): AwsResponse {
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escape(title)}</title><style>body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem;color:#1d2433}` +
    `table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #dde;padding:.35rem .5rem;text-align:left;vertical-align:top}` +
    `code{background:#f2f4f8;padding:0 .25rem;border-radius:3px}h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}.muted{color:#667}</style></head>` +
    `<body><h1>${escape(title)}</h1>${body}<p class="muted"><a href="/">sandbox</a> · <a href="/outbox">outbox</a> · <a href="/events">events</a> · <a href="/reports">reports</a></p></body></html>`;
  return { status, headers: PAGE_HEADERS, body: html };
}

function json(value: unknown, status = 200): AwsResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: `${JSON.stringify(value, null, 2)}\n` };
}

function wantsJson(request: PageRequest): boolean {
  return request.query.get('format') === 'json' || (request.headers.accept ?? '').startsWith('application/json');
}

const notFound = () => page('Not found', '<p>Nothing here. The sandbox serves <code>/</code>, <code>/outbox</code>, <code>/events</code>, <code>/reports</code> and review links.</p>', 404);

/** An API Gateway HTTP API (payload 2.0) event for the approval function, as the deployed API sends it. */
function reviewEvent(request: PageRequest): APIGatewayProxyEventV2 {
  const queryStringParameters: Record<string, string> = {};
  for (const [k, v] of request.query) queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
  const segment = /^\/review\/([^/]+)$/.exec(request.path)?.[1];
  const rawQuery = request.query.toString();
  return {
    version: '2.0',
    routeKey: 'ANY /review/{requestId}',
    rawPath: request.path,
    rawQueryString: rawQuery,
    headers: { ...request.headers },
    ...(rawQuery ? { queryStringParameters } : {}),
    ...(segment !== undefined ? { pathParameters: { requestId: segment } } : {}),
    requestContext: {
      accountId: 'sandbox',
      apiId: 'sandbox',
      domainName: request.headers.host ?? '127.0.0.1',
      domainPrefix: 'sandbox',
      http: { method: request.method, path: request.path, protocol: 'HTTP/1.1', sourceIp: request.sourceIp, userAgent: request.headers['user-agent'] ?? '' },
      requestId: 'sandbox',
      routeKey: 'ANY /review/{requestId}',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(request.body.length > 0 ? { body: request.body.toString('base64') } : {}),
    isBase64Encoded: request.body.length > 0,
  };
}

function statusTable(requests: Array<Record<string, unknown>>): string {
  if (requests.length === 0) return '<p>No request yet.</p>';
  const rows = requests
    .sort((a, b) => String(b.requestedAt).localeCompare(String(a.requestedAt)))
    .map((r) => {
      const grant = r.grant as { expiresAt?: string } | undefined;
      return `<tr><td><code>${escape(String(r.requestId))}</code></td><td>${escape(String(r.status))}</td><td>${escape(String(r.accountName ?? r.accountId))}</td><td>${escape(String(r.role))}</td><td>${escape(String(r.minutes))}</td><td>${escape(String(r.requestedAt ?? ''))}</td><td>${escape(grant?.expiresAt ?? '')}</td><td>${escape(String(r.reason ?? ''))}</td></tr>`;
    })
    .join('');
  return `<table><tr><th>Request</th><th>Status</th><th>Account</th><th>Role</th><th>Min</th><th>Requested</th><th>Expires</th><th>Reason</th></tr>${rows}</table>`;
}

/** The sandbox's own pages, and the review links served by the real approval handler. */
export function sandboxPages(sources: PagesSources): (request: PageRequest) => Promise<AwsResponse> {
  return async (request) => {
    const { path } = request;
    if (path.startsWith('/review/')) {
      const response = await sources.review(reviewEvent(request));
      const headers = Object.fromEntries(Object.entries(response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
      return { status: response.statusCode ?? 200, headers, body: response.body ?? '' };
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return page('Method not allowed', '<p>The sandbox pages only answer GET.</p>', 405);
    if (path === '/' || path === '/index.html') {
      const requests = sources.requests();
      if (wantsJson(request)) return json({ url: sources.url(), requests });
      return page(
        'JIT sandbox',
        `<p>The just-in-time access broker, running offline at <code>${escape(sources.url())}</code>: the same state machine, handlers, CLI and review pages as in AWS, against local emulations of the AWS APIs they call. Keys and env files are in the sandbox's home folder; see docs/sandbox.md.</p><h2>Requests</h2>${statusTable(requests)}`,
      );
    }
    if (path === '/outbox') {
      const emails = sources.outbox().reverse();
      if (wantsJson(request)) return json({ emails });
      const rows = emails
        .map((e) => `<tr><td>${escape(e.date)}</td><td>${escape(e.to.join(', '))}</td><td>${escape(e.subject)}</td><td><a href="/outbox/${encodeURIComponent(e.id)}.html">view</a> · <a href="/outbox/${encodeURIComponent(e.file)}">.eml</a></td></tr>`)
        .join('');
      return page('Outbox', emails.length === 0 ? '<p>No email yet.</p>' : `<table><tr><th>Date</th><th>To</th><th>Subject</th><th></th></tr>${rows}</table>`);
    }
    const outboxFile = /^\/outbox\/([A-Za-z0-9-]+)\.(eml|html|txt)$/.exec(path);
    if (outboxFile) {
      const [, id, kind] = outboxFile;
      const entry = sources.outbox().find((e) => e.id === id);
      if (!entry) return notFound();
      if (kind === 'html') return { status: 200, headers: PAGE_HEADERS, body: entry.html };
      if (kind === 'txt') return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: entry.text };
      const raw = sources.outboxFile(entry.file);
      return raw ? { status: 200, headers: { 'content-type': 'message/rfc822', 'content-disposition': `attachment; filename="${entry.file}"` }, body: raw } : notFound();
    }
    if (path === '/events') {
      const events = sources.events();
      if (wantsJson(request)) return json({ events });
      const rows = events
        .slice()
        .reverse()
        .map((e) => `<tr><td>${escape(e.event.time)}</td><td>${escape(e.event.source)}</td><td>${escape(e.event['detail-type'])}</td><td><code>${escape(String(e.event.detail.requestId ?? ''))}</code></td></tr>`)
        .join('');
      return page('Events', events.length === 0 ? '<p>No event yet.</p>' : `<table><tr><th>Time</th><th>Source</th><th>Detail type</th><th>Request</th></tr>${rows}</table>`);
    }
    if (path === '/reports') {
      const keys = sources.reportKeys();
      if (wantsJson(request)) return json({ reports: keys });
      const items = keys.map((k) => `<li><a href="/reports/${k.split('/').map(encodeURIComponent).join('/')}">${escape(k)}</a></li>`).join('');
      return page('Audit reports', keys.length === 0 ? '<p>No report yet.</p>' : `<ul>${items}</ul>`);
    }
    if (path.startsWith('/reports/')) {
      const key = path.slice('/reports/'.length).split('/').map(decodeURIComponent).join('/');
      const body = sources.report(key);
      if (!body) return notFound();
      return { status: 200, headers: { 'content-type': key.endsWith('.json') ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8' }, body };
    }
    return notFound();
  };
}
