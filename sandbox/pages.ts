import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { AwsResponse } from './http/aws-call';
import type { PageRequest } from './http/server';
import type { OutboxEntry } from './services/sesv2';
import { type AuditTiming, reportDue } from '../handlers/core/audit-polling';
import { html, type SafeHtml, trustedHtml } from '../handlers/core/html';
import { REPORT_PREFIX } from '../handlers/core/report-location';
import type { ExecutionRecord } from './engine/executions';

/** How often the home page reloads itself (a meta refresh: no script, so the CSP stays script-free). */
const HOME_REFRESH_SECONDS = 5;

export interface PagesSources {
  readonly url: () => string;
  readonly outbox: () => OutboxEntry[];
  readonly outboxFile: (file: string) => Buffer | undefined;
  readonly requests: () => Array<Record<string, unknown>>;
  readonly events: () => Array<{ bus: string; event: { time: string; source: string; 'detail-type': string; detail: Record<string, unknown> } }>;
  readonly reportKeys: () => string[];
  readonly report: (key: string) => Buffer | undefined;
  /** Sandbox time (the clock every handler reads). */
  readonly now: () => Date;
  /** The config's audit timing, to say when each report is due. */
  readonly auditTiming: AuditTiming;
  /** The executions of the state machine, newest first. */
  readonly executions: () => ReadonlyArray<Pick<ExecutionRecord, 'name' | 'status' | 'startedAt' | 'finishedAt' | 'finalState' | 'error' | 'cause' | 'input'>>;
  /** Requests whose execution was gone when the sandbox started, each with why (they were ended FAILED). */
  readonly lostExecutions?: () => ReadonlyArray<{ readonly requestId: string; readonly status: string; readonly reason: string }>;
  /** Execution files the sandbox cannot read back, each with why (left as they are). */
  readonly unreadableExecutions?: () => ReadonlyArray<{ readonly file: string; readonly reason: string }>;
  /** The approval endpoint's Lambda handler (handlers/lambda/approval-web). */
  readonly review: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  /** With `approval.slack`: the broker's interaction route (handlers/lambda/slack-interactions). */
  readonly slackInteractions?: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  /** With `approval.slack`: the Slack stand-in's paths (sandbox/slack/slack-stand-in.ts); undefined for others. */
  readonly slack?: (request: PageRequest) => Promise<AwsResponse | undefined>;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

const STYLE =
  'body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem;color:#1d2433}' +
  'table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #dde;padding:.35rem .5rem;text-align:left;vertical-align:top}' +
  'code{background:#f2f4f8;padding:0 .25rem;border-radius:3px}pre{background:#f7f8fb;padding:.75rem;overflow-x:auto;white-space:pre-wrap}.bad{color:#a11}h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}.muted{color:#667}';

function page(title: string, body: SafeHtml, status = 200, refreshSeconds?: number): AwsResponse {
  const markup = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${
    refreshSeconds ? html`<meta http-equiv="refresh" content="${refreshSeconds}">` : ''
  }<title>${title}</title><style>${trustedHtml(STYLE)}</style></head><body><h1>${title}</h1>${body}<p class="muted"><a href="/">sandbox</a> · <a href="/outbox">outbox</a> · <a href="/events">events</a> · <a href="/reports">reports</a></p></body></html>`;
  return { status, headers: PAGE_HEADERS, body: String(markup) };
}

function json(value: unknown, status = 200): AwsResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: `${JSON.stringify(value, null, 2)}\n` };
}

function wantsJson(request: PageRequest): boolean {
  return request.query.get('format') === 'json' || (request.headers.accept ?? '').startsWith('application/json');
}

const notFound = () => page('Not found', html`<p>Nothing here. The sandbox serves <code>/</code>, <code>/outbox</code>, <code>/events</code>, <code>/reports</code> and review links.</p>`, 404);

/** An API Gateway HTTP API (payload 2.0) event for the approval function, as the deployed API sends it. */
function reviewEvent(request: PageRequest, routeKey = 'ANY /review/{requestId}'): APIGatewayProxyEventV2 {
  const queryStringParameters: Record<string, string> = {};
  for (const [k, v] of request.query) queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
  const segment = /^\/review\/([^/]+)$/.exec(request.path)?.[1];
  const rawQuery = request.query.toString();
  return {
    version: '2.0',
    routeKey,
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
      routeKey,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(request.body.length > 0 ? { body: request.body.toString('base64') } : {}),
    isBase64Encoded: request.body.length > 0,
  };
}

/** The report column of a request: its link once written, else when it is due (sandbox time). */
function reportCell(r: Record<string, unknown>, sources: PagesSources): SafeHtml | string {
  const report = r.report as { jsonUri?: string } | undefined;
  if (report?.jsonUri) return html`<a href="/reports/${encodeURIComponent(String(r.requestId))}">report</a>`;
  const grant = r.grant as { expiresAt?: string; stsExpiresAt?: string } | undefined;
  if (!grant?.expiresAt || !grant.stsExpiresAt) return '';
  const due = reportDue({ expiresAt: grant.expiresAt, stsExpiresAt: grant.stsExpiresAt }, sources.auditTiming);
  return html`due ${due.earliest.toISOString()} (at the latest ${due.latest.toISOString()})`;
}

function statusTable(requests: Array<Record<string, unknown>>, sources: PagesSources): SafeHtml {
  if (requests.length === 0) return html`<p>No request yet.</p>`;
  const rows = requests
    .sort((a, b) => String(b.requestedAt).localeCompare(String(a.requestedAt)))
    .map((r) => {
      const grant = r.grant as { expiresAt?: string } | undefined;
      const failure = typeof r.failure === 'string' ? html`<br><span class="bad">${r.failure}</span>` : '';
      return html`<tr><td><code>${String(r.requestId)}</code></td><td>${String(r.status)}${failure}</td><td>${String(r.accountName ?? r.accountId)}</td><td>${String(r.role)}</td><td>${String(r.minutes)}</td><td>${String(r.requestedAt ?? '')}</td><td>${grant?.expiresAt ?? ''}</td><td>${reportCell(r, sources)}</td><td>${String(r.reason ?? '')}</td></tr>`;
    });
  return html`<table><tr><th>Request</th><th>Status</th><th>Account</th><th>Role</th><th>Min</th><th>Requested</th><th>Expires</th><th>Audit report</th><th>Reason</th></tr>${rows}</table>`;
}

/** Requests whose execution was lost, and execution files that cannot be read: nothing is lost out of sight. */
function lostWork(sources: PagesSources): SafeHtml | string {
  const lost = sources.lostExecutions?.() ?? [];
  const unreadable = sources.unreadableExecutions?.() ?? [];
  if (lost.length === 0 && unreadable.length === 0) return '';
  const lostRows = lost.map((l) => html`<tr><td><code>${l.requestId}</code></td><td>${l.status}</td><td class="bad">${l.reason}</td></tr>`);
  const fileRows = unreadable.map((u) => html`<tr><td><code>${u.file}</code></td><td class="bad">${u.reason}</td></tr>`);
  return html`${lost.length > 0 ? html`<h2>Lost executions</h2><table><tr><th>Request</th><th>Was</th><th>Why it ended FAILED</th></tr>${lostRows}</table>` : ''}${unreadable.length > 0 ? html`<h2>Execution files the sandbox cannot read</h2><table><tr><th>File</th><th>Why</th></tr>${fileRows}</table>` : ''}`;
}

/** Every execution that failed, with the state it ended in and why: nothing fails out of sight. */
function failedExecutions(sources: PagesSources): SafeHtml {
  const failed = sources.executions().filter((e) => e.status === 'FAILED');
  if (failed.length === 0) return html`<p>None.</p>`;
  const rows = failed
    .map((e) => {
      const detail = (e.input as { detail?: { requestId?: unknown } } | undefined)?.detail;
      const requestId = typeof detail?.requestId === 'string' ? detail.requestId : '';
      return html`<tr><td><code>${e.name}</code></td><td><code>${requestId}</code></td><td>${e.startedAt}</td><td>${e.finishedAt ?? ''}</td><td>${e.finalState ?? ''}</td><td>${e.error ?? ''}</td><td>${e.cause ?? ''}</td></tr>`;
    });
  return html`<table><tr><th>Execution</th><th>Request</th><th>Started</th><th>Finished</th><th>Final state</th><th>Error</th><th>Cause</th></tr>${rows}</table>`;
}

interface ReportEntry {
  readonly requestId: string;
  readonly json?: string;
  readonly markdown?: string;
}

/** The audit bucket's reports by request: `reports/<account>/<yyyy>/<mm>/<requestId>.json|.md`. */
function reportEntries(keys: readonly string[]): Map<string, ReportEntry> {
  const entries = new Map<string, ReportEntry>();
  for (const key of keys) {
    const match = /\/([^/]+)\.(json|md)$/.exec(key);
    if (!key.startsWith(REPORT_PREFIX) || !match) continue;
    const [, requestId, kind] = match;
    const entry = entries.get(requestId) ?? { requestId };
    entries.set(requestId, kind === 'json' ? { ...entry, json: key } : { ...entry, markdown: key });
  }
  return entries;
}

interface ReportFacts {
  readonly generatedAt?: string;
  readonly account?: { name?: string; id?: string };
  readonly request?: { role?: string };
  readonly collection?: { complete?: boolean };
  readonly summary?: { total?: number; accessDenied?: number; afterExpiry?: number };
}

function reportFacts(sources: PagesSources, entry: ReportEntry): ReportFacts {
  const body = entry.json ? sources.report(entry.json) : undefined;
  try {
    return body ? (JSON.parse(body.toString('utf8')) as ReportFacts) : {};
  } catch {
    return {};
  }
}

function summaryText(facts: ReportFacts): string {
  const s = facts.summary;
  if (!s) return '';
  return `${s.total ?? 0} calls, ${s.accessDenied ?? 0} refused, ${s.afterExpiry ?? 0} after expiry${facts.collection?.complete === false ? ' (INCOMPLETE)' : ''}`;
}

function reportsPage(sources: PagesSources, request: PageRequest): AwsResponse {
  const entries = [...reportEntries(sources.reportKeys()).values()].map((e) => ({ entry: e, facts: reportFacts(sources, e) }));
  entries.sort((a, b) => String(b.facts.generatedAt ?? '').localeCompare(String(a.facts.generatedAt ?? '')));
  if (wantsJson(request)) {
    // `reports` stays the bucket's keys (each served raw at /reports/<key>); `byRequest` groups them.
    return json({
      reports: sources.reportKeys(),
      byRequest: entries.map(({ entry, facts }) => ({ requestId: entry.requestId, generatedAt: facts.generatedAt ?? null, keys: [entry.json, entry.markdown].filter(Boolean), summary: facts.summary ?? null })),
    });
  }
  const rows = entries
    .map(({ entry, facts }) => {
      const id = encodeURIComponent(entry.requestId);
      const links = [entry.json ? html`<a href="/reports/${id}.json">JSON</a>` : undefined, entry.markdown ? html`<a href="/reports/${id}.md">Markdown</a>` : undefined];
      const raw = links.filter((l): l is SafeHtml => l !== undefined).flatMap((l, i) => (i === 0 ? [l] : [' · ', l]));
      return html`<tr><td><a href="/reports/${id}"><code>${entry.requestId}</code></a></td><td>${facts.generatedAt ?? ''}</td><td>${facts.account?.name ?? ''}</td><td>${facts.request?.role ?? ''}</td><td>${summaryText(facts)}</td><td>${raw}</td></tr>`;
    });
  return page('Audit reports', entries.length === 0 ? html`<p>No report yet.</p>` : html`<table><tr><th>Request</th><th>Written</th><th>Account</th><th>Role</th><th>Summary</th><th>Raw</th></tr>${rows}</table>`);
}

function reportPage(sources: PagesSources, name: string): AwsResponse {
  if (name.startsWith(REPORT_PREFIX)) {
    // A bucket key, as /reports?format=json lists them: the object as stored.
    const body = sources.report(name);
    if (!body) return notFound();
    return { status: 200, headers: { 'content-type': name.endsWith('.json') ? 'application/json; charset=utf-8' : 'text/markdown; charset=utf-8', 'x-content-type-options': 'nosniff' }, body };
  }
  const raw = /^(.+)\.(json|md)$/.exec(name);
  const requestId = raw ? raw[1] : name;
  const entry = reportEntries(sources.reportKeys()).get(requestId);
  if (!entry) return notFound();
  if (raw) {
    const key = raw[2] === 'json' ? entry.json : entry.markdown;
    const body = key ? sources.report(key) : undefined;
    if (!body) return notFound();
    return { status: 200, headers: { 'content-type': raw[2] === 'json' ? 'application/json; charset=utf-8' : 'text/markdown; charset=utf-8', 'x-content-type-options': 'nosniff' }, body };
  }
  const facts = reportFacts(sources, entry);
  const markdown = entry.markdown ? sources.report(entry.markdown)?.toString('utf8') : undefined;
  const id = encodeURIComponent(requestId);
  return page(
    `Audit report: ${requestId}`,
    html`<table><tr><th>Request</th><td><code>${requestId}</code></td></tr><tr><th>Written</th><td>${facts.generatedAt ?? ''}</td></tr>
<tr><th>Account</th><td>${facts.account?.name ?? ''} (${facts.account?.id ?? ''})</td></tr><tr><th>Summary</th><td>${summaryText(facts)}</td></tr>
<tr><th>Stored as</th><td>${[entry.json, entry.markdown].filter((k): k is string => k !== undefined).map((k, i) => html`${i > 0 ? html`<br>` : ''}<code>${k}</code>`)}</td></tr></table>
<p><a href="/reports/${id}.json">JSON</a> · <a href="/reports/${id}.md">Markdown</a> · verify it with <code>jit report ${requestId}</code></p>
${markdown ? html`<h2>Report</h2><pre>${markdown}</pre>` : ''}`,
  );
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
    if (path === '/slack/interactions' && sources.slackInteractions) {
      // As on the deployed API: POST only, anything else is API Gateway's own 404.
      if (request.method !== 'POST') return notFound();
      const response = await sources.slackInteractions(reviewEvent(request, 'POST /slack/interactions'));
      const headers = Object.fromEntries(Object.entries(response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
      return { status: response.statusCode ?? 200, headers, body: response.body ?? '' };
    }
    if (path.startsWith('/slack') && sources.slack) {
      const response = await sources.slack(request);
      if (response) return response;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return page('Method not allowed', html`<p>The sandbox pages only answer GET.</p>`, 405);
    if (path === '/' || path === '/index.html') {
      const requests = sources.requests();
      if (wantsJson(request)) {
        const failedExecutionsJson = sources.executions().filter((e) => e.status === 'FAILED').map(({ input: _input, ...e }) => e);
        return json({
          url: sources.url(),
          now: sources.now().toISOString(),
          requests,
          failedExecutions: failedExecutionsJson,
          lostExecutions: (sources.lostExecutions?.() ?? []),
          unreadableExecutionFiles: (sources.unreadableExecutions?.() ?? []),
        });
      }
      return page(
        'JIT sandbox',
        html`<p>The just-in-time access broker, running offline at <code>${sources.url()}</code>: the same state machine, handlers, CLI and review pages as in AWS, against local emulations of the AWS APIs they call. Keys and env files are in the sandbox's home folder; see docs/sandbox.md.</p>
<p class="muted">Sandbox time ${sources.now().toISOString()}; this page reloads every ${HOME_REFRESH_SECONDS} seconds. An audit report is due ${sources.auditTiming.delayMinutes} minutes (the configured CloudTrail delay) plus two quiet polls after the grant's credentials go silent: the later of its approved expiry and its STS session's end, at least 15 minutes after it was granted.</p>
<h2>Requests</h2>${statusTable(requests, sources)}<h2>Failed executions</h2>${failedExecutions(sources)}${lostWork(sources)}`,
        200,
        HOME_REFRESH_SECONDS,
      );
    }
    if (path === '/outbox') {
      const emails = sources.outbox().reverse();
      if (wantsJson(request)) return json({ emails });
      const rows = emails
        .map((e) => html`<tr><td>${e.date}</td><td>${e.to.join(', ')}</td><td>${e.subject}</td><td><a href="/outbox/${encodeURIComponent(e.id)}.html">view</a> · <a href="/outbox/${encodeURIComponent(e.file)}">.eml</a></td></tr>`);
      return page('Outbox', emails.length === 0 ? html`<p>No email yet.</p>` : html`<table><tr><th>Date</th><th>To</th><th>Subject</th><th></th></tr>${rows}</table>`);
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
      // Oldest first, as they were put (docs/sandbox.md).
      const rows = events
        .map((e) => html`<tr><td>${e.event.time}</td><td>${e.event.source}</td><td>${e.event['detail-type']}</td><td><code>${String(e.event.detail.requestId ?? '')}</code></td><td>${String(e.event.detail.status ?? '')}</td></tr>`);
      return page('Events', events.length === 0 ? html`<p>No event yet.</p>` : html`<table><tr><th>Time</th><th>Source</th><th>Detail type</th><th>Request</th><th>Status</th></tr>${rows}</table>`);
    }
    if (path === '/reports') return reportsPage(sources, request);
    if (path.startsWith('/reports/')) {
      let name: string;
      try {
        name = decodeURIComponent(path.slice('/reports/'.length));
      } catch {
        return notFound();
      }
      return reportPage(sources, name);
    }
    return notFound();
  };
}
