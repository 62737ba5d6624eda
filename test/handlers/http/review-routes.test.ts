import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { randomBytes } from 'node:crypto';
import { encodeCapability } from '../../../handlers/core/approval-capability';
import { APPROVAL_DENIED_ERROR } from '../../../handlers/core/errors';
import { MAX_FORM_BYTES } from '../../../handlers/core/review-form';
import { handleReviewHttp } from '../../../handlers/http/review-routes';
import type { DecideRequestDeps } from '../../../handlers/use-cases/decide-request';
import { FakeAws } from '../../fakes/fake-aws';
import {
  ManualClock,
  type PendingFixture,
  RecordingLog,
  approvalDeps,
  approvalSettings,
  form,
  httpEvent,
  pendingRequest,
  splitLink,
} from '../../helpers/approval-fixtures';
import { REVIEW_REQUEST, elevationRequest } from '../../helpers/fixtures';

const APPROVER = 'security-lead@example.com';
const SECOND = 'platform-lead@example.com';

/** The response body as text, with tags stripped, for reading what a person sees. */
function visible(html: string | undefined): string {
  return (html ?? '').replace(/<style>[\s\S]*?<\/style>/, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
}

describe('Review routes: the emailed link (GET shows, POST decides)', () => {
  let aws: FakeAws;
  let clock: ManualClock;
  let deps: DecideRequestDeps;
  let log: RecordingLog;
  let pending: PendingFixture;
  let link: { path: string; query: string; capability: string };

  const get = (path = link.path, query = link.query) => handleReviewHttp(httpEvent('GET', path, { query }), deps, log);
  const post = (fields: Record<string, string>, path = link.path) =>
    handleReviewHttp(httpEvent('POST', path, { body: form(fields), contentType: 'application/x-www-form-urlencoded' }), deps, log);
  const approve = (extra: Record<string, string> = {}) => post({ c: link.capability, role: 'Ops', minutes: '30', action: 'approve', ...extra });

  /** Everything a decision could change: the record, callbacks, emails, the waiting task. */
  function snapshot() {
    return {
      record: structuredClone(aws.table.items.get(pending.request.requestId)),
      callbacks: aws.sfn.commandCalls(SendTaskSuccessCommand).length + aws.sfn.commandCalls(SendTaskFailureCommand).length,
      emails: aws.emails.length,
      waiting: aws.tokens.isWaiting(pending.taskToken),
    };
  }

  beforeEach(async () => {
    aws = new FakeAws(['222222222222', '333333333333']);
    clock = new ManualClock(new Date());
    deps = approvalDeps(approvalSettings([APPROVER, SECOND]), clock);
    log = new RecordingLog();
    pending = await pendingRequest(aws, deps);
    link = splitLink(pending.links[0]);
  });

  afterEach(() => {
    // Whatever happened, no log line carries a capability or the task token.
    for (const l of pending.links) expect(log.text()).not.toContain(splitLink(l).capability);
    expect(log.text()).not.toContain(pending.taskToken);
    aws.restore();
  });

  describe('GET', () => {
    it('shows the request and a form, and changes nothing', async () => {
      const before = snapshot();
      const response = await get();

      expect(response.statusCode).toBe(200);
      const text = visible(response.body);
      for (const expected of ['prod (222222222222)', 'Ops', '30', 'Restart the stuck payment worker', 'ecs:UpdateService payments', 'Requested at', 'Decide before', APPROVER]) {
        expect(text).toContain(expected);
      }
      expect(response.body).toMatch(/<button[^>]*value="approve"[^>]*>Approve<\/button>/);
      expect(response.body).toMatch(/<button[^>]*value="deny"[^>]*>Deny<\/button>/);
      // Only the requested role and those declared narrower (none here), selected; minutes default to, and at most, the request.
      expect([...(response.body ?? '').matchAll(/<option value="([^"]+)"/g)].map((m) => m[1])).toEqual(['Ops']);
      expect(response.body).toContain('<option value="Ops" selected>');
      expect(response.body).toMatch(/name="minutes"[^>]*max="30"[^>]*value="30"/);
      expect(response.body).toContain(`name="c" value="${link.capability}"`);
      expect(response.body).not.toContain(pending.taskToken);
      expect(response.body).not.toMatch(/<script|<link|<img|src=|https?:\/\//i);
      expect(snapshot()).toEqual(before);
    });

    it('shows what the grant can do against the role, evaluated from their policies', async () => {
      // Act
      const text = visible((await get()).body);

      // Assess: the plan names logs:GetLogEvents as an IAM action; the rest of Ops is removed.
      expect(text).toContain('What this grant can do');
      expect(text).toMatch(/Scoped to the plan: 1 of the role(&#39;|')s 20 permissions kept, 19 removed./);
      expect(text).toContain('Can: logs:GetLogEvents');
      expect(text).toMatch(/Cannot \(the role could\): ec2:Describe\*, /);
    });

    it('sends the headers that keep the page and its link private', async () => {
      const response = await get();
      const headers = response.headers ?? {};
      expect(headers['Content-Type']).toBe('text/html; charset=utf-8');
      expect(headers['Referrer-Policy']).toBe('no-referrer');
      expect(headers['Cache-Control']).toBe('no-store');
      expect(headers['X-Frame-Options']).toBe('DENY');
      const csp = String(headers['Content-Security-Policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("form-action 'self'");
      expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
      expect(csp).not.toContain('unsafe-inline');
    });

    it('answers HEAD like GET without a body, and changes nothing', async () => {
      const before = snapshot();
      const response = await handleReviewHttp(httpEvent('HEAD', link.path, { query: link.query }), deps, log);
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe('');
      expect(snapshot()).toEqual(before);
    });
  });

  describe('POST', () => {
    it('approves with lowered minutes: the workflow gets the decision, the approver a confirmation', async () => {
      const response = await approve({ minutes: '10', note: 'Only the worker,\r\nnothing else' });

      expect(response.statusCode).toBe(200);
      expect(visible(response.body)).toContain('Approved');
      expect(visible(response.body)).toContain('Ops in prod for 10 minutes');
      const decision = (await pending.answer) as Record<string, unknown>;
      expect(decision).toEqual({
        role: 'Ops',
        minutes: 10,
        approver: APPROVER,
        note: 'Only the worker,\nnothing else',
        decidedAt: clock.now().toISOString(),
        channel: 'web',
      });
      const record = aws.table.items.get(pending.request.requestId);
      expect(record).toMatchObject({ status: 'APPROVED', decision, decidedAt: clock.now().toISOString() });
      expect(record?.taskToken).toBeUndefined();
      const confirmation = aws.emails.at(-1);
      expect(confirmation?.subject).toBe('Approved: Ops in prod (request req-review-0001)');
      expect(confirmation?.to).toEqual([APPROVER, SECOND]);
      expect(confirmation?.text).toContain(`Approved by: ${APPROVER}`);
    });

    it('refuses another role of the account that is not declared narrower: 422, nothing changes', async () => {
      const before = snapshot();
      const response = await approve({ role: 'Deploy', minutes: '30' });
      expect(response.statusCode).toBe(422);
      expect(visible(response.body)).toContain('role: Deploy is not narrower than the requested Ops');
      expect(snapshot()).toEqual(before);
    });

    it('approves a role the config declares narrower, for at most the requested minutes', async () => {
      deps = { ...deps, settings: { ...deps.settings, roleOrder: { Deploy: ['Ops'] } } };
      const longer = await approve({ role: 'Deploy', minutes: '45' });
      const response = await approve({ role: 'Deploy', minutes: '20' });
      expect(longer.statusCode).toBe(422);
      expect(visible(longer.body)).toContain('minutes: 45 is more than the 30 requested');
      expect(response.statusCode).toBe(200);
      expect(await pending.answer).toMatchObject({ role: 'Deploy', minutes: 20 });
    });

    it('denies with the note as the reason', async () => {
      const response = await post({ c: link.capability, role: 'Ops', minutes: '30', note: 'Not during the freeze', action: 'deny' });

      expect(response.statusCode).toBe(200);
      expect(visible(response.body)).toContain('Denied');
      await expect(pending.answer).rejects.toMatchObject({ name: APPROVAL_DENIED_ERROR, message: 'Not during the freeze' });
      expect(aws.sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, { error: APPROVAL_DENIED_ERROR, cause: 'Not during the freeze' });
      expect(aws.table.items.get(pending.request.requestId)).toMatchObject({
        status: 'DENIED',
        denial: { approver: APPROVER, reason: 'Not during the freeze', channel: 'web' },
      });
      expect(aws.emails.at(-1)?.subject).toBe('Denied: Ops in prod (request req-review-0001)');
    });

    it('denies even when the minutes field is empty or invalid', async () => {
      const response = await post({ c: link.capability, minutes: '', action: 'deny' });
      expect(response.statusCode).toBe(200);
      await expect(pending.answer).rejects.toMatchObject({ name: APPROVAL_DENIED_ERROR });
    });
  });

  describe('refuses, with a page that says so, and changes nothing', () => {
    it('refuses a replayed link after its decision, naming who decided what and when', async () => {
      await approve({ minutes: '10' });
      const before = snapshot();

      const replayed = await approve({ minutes: '60' });
      const reopened = await get();

      for (const response of [replayed, reopened]) {
        expect(response.statusCode).toBe(409);
        const text = visible(response.body);
        expect(text).toContain('Already decided');
        expect(text).toContain(APPROVER);
        expect(text).toContain('Approved');
        expect(text).toMatch(/Minutes 10/);
      }
      expect(snapshot()).toEqual(before);
    });

    it("refuses the other approver's link once the request is decided", async () => {
      await post({ c: link.capability, action: 'deny', note: 'No' });
      const before = snapshot();
      const other = splitLink(pending.links[1]);

      const response = await post({ c: other.capability, action: 'approve', role: 'Ops', minutes: '5' }, other.path);

      expect(response.statusCode).toBe(409);
      expect(visible(response.body)).toContain(`By ${APPROVER}`);
      expect(visible(response.body)).toContain('Denied');
      expect(snapshot()).toEqual(before);
    });

    it('refuses a forged link with the same 404 page as an unknown request', async () => {
      const forged = encodeCapability(randomBytes(32));
      const before = snapshot();

      const forgedGet = await get(link.path, `c=${forged}`);
      const forgedPost = await post({ c: forged, action: 'approve' });
      const unknownGet = await get('/review/req-unknown-0009', link.query);
      const unknownPost = await post({ c: link.capability, action: 'approve' }, '/review/req-unknown-0009');

      for (const response of [forgedGet, forgedPost, unknownGet, unknownPost]) {
        expect(response.statusCode).toBe(404);
        expect(response.body).toBe(forgedGet.body);
      }
      expect(visible(forgedGet.body)).toContain('This link is not valid');
      expect(forgedGet.body).not.toContain('prod');
      expect(snapshot()).toEqual(before);
    });

    it.each([
      ['no capability', ''],
      ['an empty capability', 'c='],
      ['a short capability', 'c=abc'],
      ['a capability with bad characters', `c=${'%2F'.repeat(43)}`],
      ['a capability one character too long', () => `c=${link.capability}A`],
      ['the capability twice', () => `c=${link.capability}&c=${link.capability}`],
    ])('refuses a malformed link (%s) with the 404 page', async (_label, query) => {
      const before = snapshot();
      const response = await get(link.path, typeof query === 'function' ? query() : query);
      expect(response.statusCode).toBe(404);
      expect(visible(response.body)).toContain('This link is not valid');
      expect(snapshot()).toEqual(before);
    });

    it.each(['/review/..%2F..%2Fetc', '/review/a', '/review/%E0%A4%A', '/review/req-review-0001/extra', '/'])(
      'refuses a malformed request id in %s with the 404 page',
      async (path) => {
        const before = snapshot();
        const event = httpEvent('GET', path, { query: link.query });
        const response = await handleReviewHttp(event, deps, log);
        expect(response.statusCode).toBe(404);
        expect(snapshot()).toEqual(before);
      },
    );

    it('refuses a form POST without the capability with the 404 page', async () => {
      const before = snapshot();
      const response = await post({ role: 'Ops', minutes: '30', action: 'approve' });
      expect(response.statusCode).toBe(404);
      expect(visible(response.body)).toContain('This link is not valid');
      expect(snapshot()).toEqual(before);
    });

    it('refuses an expired link, on GET and POST', async () => {
      clock.advance(deps.settings.approvalWindowMinutes * 60_000 + 1000);
      const before = snapshot();

      const shown = await get();
      const decided = await approve();

      for (const response of [shown, decided]) {
        expect(response.statusCode).toBe(410);
        expect(visible(response.body)).toContain('This link has expired');
      }
      expect(snapshot()).toEqual(before);
    });

    it('says expired when the workflow stopped waiting before the decision reached it', async () => {
      aws.tokens.cancel(pending.taskToken);
      const response = await approve();

      expect(response.statusCode).toBe(410);
      expect(visible(response.body)).toContain('This link has expired');
      const record = aws.table.items.get(pending.request.requestId);
      expect(record).toMatchObject({ status: 'APPROVAL_EXPIRED' });
      expect(record?.decision).toBeUndefined();
      expect(record?.taskToken).toBeUndefined();
      expect(aws.ses).toHaveReceivedCommandTimes(SendEmailCommand, 2);
    });

    it('releases the claim when Step Functions fails, so the approver can try again', async () => {
      // Every try of this approval fails (the use case tries a few times).
      aws.sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }));
      const before = snapshot();

      const failed = await approve();
      expect(failed.statusCode).toBe(503);
      expect(visible(failed.body)).toContain('Nothing was decided');
      expect({ ...snapshot(), callbacks: before.callbacks }).toEqual({ ...before, record: { ...before.record, updatedAt: expect.any(String) } });
    });

    it.each([
      ['above the role max', { minutes: '61' }, 'minutes: 61 is more than the 30 allowed for role Ops'],
      ["above the chosen role's max", { role: 'Deploy', minutes: '61' }, 'minutes: 61 is more than the 60 allowed for role Deploy'],
      ['zero', { minutes: '0' }, 'minutes: must be at least 1'],
      ['negative', { minutes: '-5' }, 'minutes: must be at least 1'],
      ['not a number', { minutes: '10abc' }, 'minutes: must be a whole number'],
      ['a fraction', { minutes: '1.5' }, 'minutes: must be a whole number'],
      ['a role not configured for the account', { role: 'Security' }, 'role: "Security" is not configured for account prod (allowed: Ops, Deploy)'],
      ['an unknown role', { role: 'Admin' }, 'role: "Admin" is not configured for account prod'],
      ['a note with control characters', { note: 'ok\u0007' }, 'note: must not contain control characters'],
      ['a note that is too long', { note: 'x'.repeat(501) }, 'note: must be at most 500 characters'],
    ])('refuses minutes or role %s with the form and the problem (422)', async (_label, fields, problem) => {
      const before = snapshot();
      const response = await approve(fields);

      expect(response.statusCode).toBe(422);
      expect(visible(response.body)).toContain('Nothing was decided.');
      expect(response.body).toContain(problem.replace(/"/g, '&quot;'));
      expect(response.body).toContain(`name="c" value="${link.capability}"`);
      expect(snapshot()).toEqual(before);
    });

    it.each([
      ['an oversized body', { body: `c=${'a'.repeat(MAX_FORM_BYTES)}`, contentType: 'application/x-www-form-urlencoded' }, 413],
      ['a JSON body', { body: '{"c":"x","action":"approve"}', contentType: 'application/json' }, 415],
      ['a multipart body', { body: '--x\r\n', contentType: 'multipart/form-data; boundary=x' }, 415],
      ['no content type', { body: 'c=x' }, 415],
      ['a repeated field', { body: 'action=approve&action=deny', contentType: 'application/x-www-form-urlencoded' }, 400],
      ['an unknown field', { body: 'action=approve&approver=mallory%40example.com', contentType: 'application/x-www-form-urlencoded' }, 400],
      ['no action', { body: 'role=Ops', contentType: 'application/x-www-form-urlencoded' }, 400],
      ['an unknown action', { body: 'action=maybe', contentType: 'application/x-www-form-urlencoded' }, 400],
      ['bytes that are not UTF-8', { body: Buffer.from([0x63, 0x3d, 0xff, 0xfe]), contentType: 'application/x-www-form-urlencoded' }, 400],
    ])('refuses %s', async (_label, call, status) => {
      const before = snapshot();
      const body = call.body;
      const fields = typeof body === 'string' && status === 400 ? body.replace(/^/, `c=${link.capability}&`) : body;
      const response = await handleReviewHttp(httpEvent('POST', link.path, { ...call, body: fields }), deps, log);

      expect(response.statusCode).toBe(status);
      expect(visible(response.body)).toContain('Nothing was decided.');
      expect(snapshot()).toEqual(before);
    });

    it('reads a form body that API Gateway did not base64-encode', async () => {
      const body = form({ c: link.capability, action: 'approve', role: 'Ops', minutes: '5' });
      const response = await handleReviewHttp(
        httpEvent('POST', link.path, { body, contentType: 'application/x-www-form-urlencoded; charset=UTF-8', base64: false }),
        deps,
        log,
      );
      expect(response.statusCode).toBe(200);
    });

    it.each(['PUT', 'DELETE', 'PATCH', 'OPTIONS'])('refuses %s with 405', async (method) => {
      const before = snapshot();
      const response = await handleReviewHttp(
        httpEvent(method, link.path, { query: link.query, body: form({ c: link.capability, action: 'approve' }), contentType: 'application/x-www-form-urlencoded' }),
        deps,
        log,
      );
      expect(response.statusCode).toBe(405);
      expect(response.headers?.Allow).toBe('GET, HEAD, POST');
      expect(visible(response.body)).toContain('Nothing was decided.');
      expect(snapshot()).toEqual(before);
    });
  });

  describe('injection', () => {
    const hostile = elevationRequest(REVIEW_REQUEST, {
      requestId: 'req-hostile-0001',
      reason: `<script>alert(1)</script><img src=x onerror=alert(1)> "quoted" 'single' & more\nBcc: victim@example.com\nSubject: hi`,
      plannedActions: ['</li><script>alert(2)</script>'],
      requester: '"><svg onload=alert(3)>',
    });

    it('escapes requester text in the page and keeps it out of headers', async () => {
      const fixture = await pendingRequest(aws, deps, hostile);
      const hostileLink = splitLink(fixture.links[0]);
      const before = structuredClone(aws.table.items.get(hostile.requestId));

      const response = await handleReviewHttp(httpEvent('GET', hostileLink.path, { query: hostileLink.query }), deps, log);

      expect(response.statusCode).toBe(200);
      expect(response.body).not.toMatch(/<script|<img|<svg/i);
      expect(response.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(response.body).toContain('&quot;quoted&quot; &#39;single&#39; &amp; more');
      for (const value of Object.values(response.headers ?? {})) expect(String(value)).not.toMatch(/[\r\n]|Bcc|victim/);
      expect(aws.table.items.get(hostile.requestId)).toEqual(before);
    });

    it('keeps requester text out of email headers and escapes it in the email', async () => {
      await pendingRequest(aws, deps, hostile);
      const email = aws.emails.at(-1);
      expect(email?.subject).not.toMatch(/[\r\n]/);
      expect(email?.subject).not.toContain('Bcc');
      expect(email?.html).not.toMatch(/<script|<img|<svg/i);
      expect(aws.ses).toHaveReceivedCommandWith(SendEmailCommand, { Destination: { ToAddresses: [SECOND] } });
    });

    it('escapes an approver note with markup on the outcome page and in the confirmation', async () => {
      const response = await approve({ note: '<b>fine</b>' });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('&lt;b&gt;fine&lt;/b&gt;');
      expect(aws.emails.at(-1)?.html).toContain('&lt;b&gt;fine&lt;/b&gt;');
    });
  });
});
