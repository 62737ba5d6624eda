import { sandboxPages, type PagesSources } from '../../sandbox/pages';
import type { PageRequest } from '../../sandbox/http/server';

const NOW = new Date('2026-11-28T10:20:00Z');
const JSON_KEY = 'reports/222222222222/2026/11/req-pages-0001.json';
const MD_KEY = 'reports/222222222222/2026/11/req-pages-0001.md';
const REPORT = {
  requestId: 'req-pages-0001',
  generatedAt: '2026-11-28T10:47:00Z',
  account: { id: '222222222222', name: 'prod' },
  request: { role: 'Ops' },
  collection: { complete: true },
  summary: { total: 3, accessDenied: 1, afterExpiry: 0 },
};

function sources(overrides: Partial<PagesSources> = {}): PagesSources {
  return {
    url: () => 'http://127.0.0.1:8787',
    outbox: () => [],
    outboxFile: () => undefined,
    requests: () => [
      {
        requestId: 'req-pages-0002',
        status: 'GRANTED',
        accountName: 'prod',
        role: 'Ops',
        minutes: 5,
        requestedAt: '2026-11-28T10:00:00Z',
        grant: { expiresAt: '2026-11-28T10:05:00Z', stsExpiresAt: '2026-11-28T10:15:00Z' },
      },
      { requestId: 'req-pages-0001', status: 'AUDITED', accountName: 'prod', role: 'Ops', minutes: 5, requestedAt: '2026-11-28T09:00:00Z', report: { jsonUri: `s3://audit/${JSON_KEY}` } },
    ],
    events: () => [
      { bus: 'jit-broker', event: { time: '2026-11-28T10:00:00Z', source: 'jit.agent', 'detail-type': 'Elevation Requested', detail: { requestId: 'first-0001' } } },
      { bus: 'jit-broker', event: { time: '2026-11-28T10:00:05Z', source: 'jit.broker', 'detail-type': 'Elevation Pending Approval', detail: { requestId: 'second-0001', status: 'PENDING_APPROVAL' } } },
    ],
    reportKeys: () => [JSON_KEY, MD_KEY],
    report: (key) => (key === JSON_KEY ? Buffer.from(JSON.stringify(REPORT)) : key === MD_KEY ? Buffer.from('# Elevation audit: req-pages-0001\n<b>escaped</b>\n') : undefined),
    now: () => NOW,
    auditTiming: { delayMinutes: 10, maxLagMinutes: 30 },
    executions: () => [
      { name: 'exec-ok', status: 'SUCCEEDED', startedAt: '2026-11-28T09:00:00Z', finalState: 'NotifyAudited', input: {} },
      { name: 'exec-bad', status: 'FAILED', startedAt: '2026-11-28T09:30:00Z', finishedAt: '2026-11-28T09:31:00Z', finalState: 'NotifyMintFailed', error: 'MintFailed', cause: 'AssumeRole was refused', input: { detail: { requestId: 'req-pages-0003' } } },
    ],
    review: () => Promise.reject(new Error('not used')),
    ...overrides,
  };
}

const get = (path: string, query = ''): PageRequest => ({ method: 'GET', path, query: new URLSearchParams(query), headers: {}, body: Buffer.alloc(0), sourceIp: '127.0.0.1' });

describe('sandbox pages', () => {
  it('refreshes the home page without a script, and keeps the script-free CSP', async () => {
    const page = await sandboxPages(sources())(get('/'));
    expect(String(page.body)).toContain('<meta http-equiv="refresh" content="5">');
    expect(String(page.body)).not.toContain('<script');
    expect(page.headers?.['content-security-policy']).toContain("default-src 'none'");
  });

  it('says when each report is due: the delay plus two quiet polls after the later of the expiry and the STS session end', async () => {
    const body = String((await sandboxPages(sources())(get('/'))).body);
    // A 5-minute grant: STS session to 10:15, then the 10-minute delay and two polls a minute apart.
    expect(body).toContain('due 2026-11-28T10:27:00.000Z (at the latest 2026-11-28T10:45:00.000Z)');
    expect(body).toContain('<a href="/reports/req-pages-0001">report</a>');
    expect(body).toContain('Sandbox time 2026-11-28T10:20:00.000Z');
  });

  it('shows every failed execution, with its final state, error and cause', async () => {
    const body = String((await sandboxPages(sources())(get('/'))).body);
    expect(body).toContain('exec-bad');
    expect(body).toContain('req-pages-0003');
    expect(body).toContain('NotifyMintFailed');
    expect(body).toContain('AssumeRole was refused');
    expect(body).not.toContain('exec-ok');
    const json = JSON.parse(String((await sandboxPages(sources())(get('/', 'format=json'))).body)) as { failedExecutions: Array<{ name: string }> };
    expect(json.failedExecutions.map((e) => e.name)).toEqual(['exec-bad']);
  });

  it('lists events oldest first, as docs/sandbox.md says', async () => {
    const body = String((await sandboxPages(sources())(get('/events'))).body);
    expect(body.indexOf('first-0001')).toBeLessThan(body.indexOf('second-0001'));
    expect(body).toContain('<td>PENDING_APPROVAL</td>');
  });

  it('lists reports by request with date and summary, linked without a doubled /reports/reports/', async () => {
    const body = String((await sandboxPages(sources())(get('/reports'))).body);
    expect(body).toContain('<a href="/reports/req-pages-0001"><code>req-pages-0001</code></a>');
    expect(body).toContain('2026-11-28T10:47:00Z');
    expect(body).toContain('3 calls, 1 refused, 0 after expiry');
    expect(body).not.toContain('/reports/reports/');
  });

  it('renders a report as an HTML page with its request id, date and summary, the Markdown escaped', async () => {
    const page = await sandboxPages(sources())(get('/reports/req-pages-0001'));
    const body = String(page.body);
    expect(page.status).toBe(200);
    expect(page.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(body).toContain('<h1>Audit report: req-pages-0001</h1>');
    expect(body).toContain('2026-11-28T10:47:00Z');
    expect(body).toContain('3 calls, 1 refused');
    expect(body).toContain('&lt;b&gt;escaped&lt;/b&gt;');
    const raw = await sandboxPages(sources())(get('/reports/req-pages-0001.md'));
    expect(raw.headers?.['content-type']).toBe('text/markdown; charset=utf-8');
    expect((await sandboxPages(sources())(get('/reports/req-nothing-01'))).status).toBe(404);
    // The bucket keys /reports?format=json lists are served as stored too.
    const listed = JSON.parse(String((await sandboxPages(sources())(get('/reports', 'format=json'))).body)) as { reports: string[]; byRequest: Array<{ requestId: string }> };
    expect(listed.reports).toEqual([JSON_KEY, MD_KEY]);
    expect(listed.byRequest.map((r) => r.requestId)).toEqual(['req-pages-0001']);
    expect(String((await sandboxPages(sources())(get(`/reports/${MD_KEY}`))).body)).toContain('# Elevation audit');
  });
});
