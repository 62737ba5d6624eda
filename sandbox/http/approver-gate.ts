import { randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { html } from '../../handlers/core/html';
import { JsonFile } from '../store/json-file';
import type { AwsResponse } from './aws-call';
import type { PageHandler, PageRequest } from './server';

/** The cookie a browser carries once signed in as the approver. */
export const APPROVER_COOKIE = 'jit-sandbox-approver';
/** Where a browser signs in: `GET /approver/sign-in?secret=<approver secret>`. */
export const SIGN_IN_PATH = '/approver/sign-in';

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

function refused(status: 401 | 403, what: string): AwsResponse {
  return {
    status,
    headers: HEADERS,
    body: String(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Approver only</title></head><body style="font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:40rem">
<h1>Approver only</h1><p>${what} The sandbox printed an approver sign-in link when it started; it is also in the approver's env file
(<code>JIT_SANDBOX_APPROVER_URL</code> in <code>approver.env</code>). Open it in this browser, then come back.</p></body></html>`),
  };
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/**
 * Approving is the approver's: in AWS the review link reaches only the approvers' mailboxes, and only
 * their credentials may answer a task. The sandbox's outbox stands in for those mailboxes on a URL that
 * every local process can reach, so the outbox and every decision made on a review page (its POST) need
 * the approver secret, which the sandbox keeps in `$JIT_HOME/approver-secret.json` (owner-only), prints at
 * start and writes to the approver's env file only. A browser signs in once with it and then carries an
 * HttpOnly, SameSite=Strict cookie; a script may send the cookie itself. Showing a review page (GET)
 * stays open, as in AWS (it changes nothing). Decisions from the terminal are the approver key's, which
 * the agent's policy cannot stand in for (see docs/sandbox.md).
 */
export class ApproverGate {
  private constructor(readonly secret: string) {}

  /** The secret made on first start and kept across restarts. */
  static persisted(home: string): ApproverGate {
    const file = new JsonFile<{ secret?: string }>(join(home, 'approver-secret.json'), () => ({}));
    if (!file.get().secret) file.set({ secret: randomBytes(32).toString('base64url') });
    return new ApproverGate(String(file.get().secret));
  }

  /** The link that signs a browser in as the approver. */
  signInUrl(baseUrl: string): string {
    return `${baseUrl}${SIGN_IN_PATH}?secret=${this.secret}`;
  }

  /** Wraps the pages: the outbox and review decisions need the approver secret. */
  guard(pages: PageHandler): PageHandler {
    return async (request) => {
      if (request.path === SIGN_IN_PATH) return this.signIn(request);
      if (isOutbox(request.path) && !this.signedIn(request)) return refused(401, 'The outbox holds the approvers’ emails and their review links.');
      if (isDecision(request) && !this.signedIn(request)) return refused(403, 'Only the approver decides; nothing was decided.');
      if (isSlackWorkspace(request.path) && !this.signedIn(request)) return refused(401, 'The Slack stand-in is the approvers’ workspace; its buttons decide.');
      return pages(request);
    };
  }

  private signedIn(request: PageRequest): boolean {
    return this.matches(cookieValue(request.headers.cookie, APPROVER_COOKIE));
  }

  private matches(presented: string | undefined | null): boolean {
    if (!presented) return false;
    const a = Buffer.from(presented);
    const b = Buffer.from(this.secret);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private signIn(request: PageRequest): AwsResponse {
    if (request.method !== 'GET') return refused(403, 'Sign in with the link, not a form.');
    if (!this.matches(request.query.get('secret'))) return refused(403, 'That is not the approver secret.');
    return {
      status: 303,
      headers: {
        ...HEADERS,
        location: '/outbox',
        'set-cookie': `${APPROVER_COOKIE}=${this.secret}; Path=/; HttpOnly; SameSite=Strict`,
      },
      body: '',
    };
  }
}

/**
 * The Slack stand-in's page and its buttons stand in for the approvers' Slack workspace. Its Web API
 * (the bot token's), its response URLs and the broker's signed route are not the approver's to gate.
 */
function isSlackWorkspace(path: string): boolean {
  return path === '/slack' || path === '/slack/press';
}

function isOutbox(path: string): boolean {
  return path === '/outbox' || path.startsWith('/outbox/');
}

/** A review page's POST decides (GET only shows, so mail scanners cannot decide by prefetching). */
function isDecision(request: PageRequest): boolean {
  return request.path.startsWith('/review/') && request.method !== 'GET' && request.method !== 'HEAD';
}
