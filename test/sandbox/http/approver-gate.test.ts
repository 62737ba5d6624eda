import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPROVER_COOKIE, ApproverGate, SIGN_IN_PATH } from '../../../sandbox/http/approver-gate';
import type { PageRequest } from '../../../sandbox/http/server';

function request(method: string, path: string, options: { query?: Record<string, string>; cookie?: string } = {}): PageRequest {
  return {
    method,
    path,
    query: new URLSearchParams(options.query ?? {}),
    headers: options.cookie ? { cookie: options.cookie } : {},
    body: Buffer.alloc(0),
    sourceIp: '127.0.0.1',
  };
}

describe('Sandbox: the approver gate', () => {
  let home: string;
  let gate: ApproverGate;
  const served: string[] = [];
  const pages = async (r: PageRequest) => {
    served.push(`${r.method} ${r.path}`);
    return { status: 200, headers: {}, body: 'page' };
  };

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'jit-gate-'));
    gate = ApproverGate.persisted(home);
    served.length = 0;
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('keeps one random secret of 256 bits across restarts, in an owner-only file', () => {
    expect(Buffer.from(gate.secret, 'base64url')).toHaveLength(32);
    expect(ApproverGate.persisted(home).secret).toBe(gate.secret);
    const file = join(home, 'approver-secret.json');
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ secret: gate.secret });
  });

  it.each([
    ['GET', '/outbox', 401],
    ['GET', '/outbox/abc.html', 401],
    ['GET', '/outbox/abc.eml', 401],
    ['POST', '/review/req-12345678', 403],
  ])('refuses %s %s without the approver secret, and does not reach the page', async (method, path, status) => {
    const guarded = gate.guard(pages);

    const anonymous = await guarded(request(method, path));
    const forged = await guarded(request(method, path, { cookie: `${APPROVER_COOKIE}=${'A'.repeat(gate.secret.length)}` }));

    expect(anonymous.status).toBe(status);
    expect(forged.status).toBe(status);
    expect(String(anonymous.body)).toContain('JIT_SANDBOX_APPROVER_URL');
    expect(served).toEqual([]);
  });

  it('serves the outbox and takes a decision with the approver cookie', async () => {
    const guarded = gate.guard(pages);
    const cookie = `other=1; ${APPROVER_COOKIE}=${gate.secret}`;

    expect((await guarded(request('GET', '/outbox', { cookie }))).status).toBe(200);
    expect((await guarded(request('POST', '/review/req-12345678', { cookie }))).status).toBe(200);
    expect(served).toEqual(['GET /outbox', 'POST /review/req-12345678']);
  });

  it('shows a review page (GET) to anyone, as the deployed endpoint does: showing decides nothing', async () => {
    const shown = await gate.guard(pages)(request('GET', '/review/req-12345678', { query: { c: 'capability' } }));
    expect(shown.status).toBe(200);
  });

  it('signs a browser in with the secret: an HttpOnly, SameSite=Strict cookie, then the outbox', async () => {
    const guarded = gate.guard(pages);
    const url = new URL(gate.signInUrl('http://127.0.0.1:8787'));
    expect(url.pathname).toBe(SIGN_IN_PATH);

    const signedIn = await guarded(request('GET', SIGN_IN_PATH, { query: { secret: url.searchParams.get('secret') ?? '' } }));
    const wrong = await guarded(request('GET', SIGN_IN_PATH, { query: { secret: 'guess' } }));

    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/outbox');
    expect(signedIn.headers['set-cookie']).toBe(`${APPROVER_COOKIE}=${gate.secret}; Path=/; HttpOnly; SameSite=Strict`);
    expect(wrong.status).toBe(403);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });
});
