import { existsSync, mkdirSync } from 'node:fs';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type Browser, chromium } from 'playwright-core';
import { handleReviewHttp } from '../../handlers/http/review-routes';
import type { DecideRequestDeps } from '../../handlers/use-cases/decide-request';
import { FakeAws } from '../fakes/fake-aws';
import { ManualClock, RecordingLog, approvalDeps, approvalSettings, httpEvent, pendingRequest } from '../helpers/approval-fixtures';
import { REVIEW_REQUEST, elevationRequest } from '../helpers/fixtures';

/**
 * The review link in a real browser: Debian's Chromium driven by playwright-core (never a browser
 * download). `.ci/run` installs chromium, so CI always runs this; locally it is skipped, loudly, when
 * the browser is missing. Set JIT_SCREENSHOTS=docs to refresh the screenshots in docs/.
 */
const CHROMIUM = process.env.JIT_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  const message = `\n\n*** BROWSER TEST NOT RUN: no Chromium at ${CHROMIUM}. Install it with: apt-get install chromium ***\n\n`;
  if (process.env.CI) throw new Error(message);
  console.warn(message);
}

// The flags the machine notes call for: no sandbox as root, and no background traffic to a closed network.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit, keep one byte more than allowed so the handler answers 413 itself.
      if (size <= limit + 1) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).subarray(0, limit + 1)));
    req.on('error', reject);
  });
}

/** A local stand-in for the HTTP API: turns each request into a payload-2.0 event for the routes. */
function serveReviewRoutes(deps: DecideRequestDeps, log: RecordingLog): Server {
  return createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const body = await readBody(req, 64 * 1024);
      const event: APIGatewayProxyEventV2 = httpEvent(req.method ?? 'GET', url.pathname, {
        query: url.search.slice(1),
        ...(body.length > 0 ? { body } : {}),
        ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
      });
      const response = await handleReviewHttp(event, deps, log);
      res.writeHead(response.statusCode ?? 200, Object.fromEntries(Object.entries(response.headers ?? {}).map(([k, v]) => [k, String(v)])));
      res.end(response.body ?? '');
    })().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
}

(haveChromium ? describe : describe.skip)('Browser: the review link in headless Chromium', () => {
  let aws: FakeAws;
  let deps: DecideRequestDeps;
  let server: Server;
  let baseUrl: string;
  let browser: Browser;
  const log = new RecordingLog();

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    aws = new FakeAws(['222222222222', '333333333333']);
    deps = approvalDeps(approvalSettings(), new ManualClock());
    // The clock follows real time: the page and the store see the same "now".
    (deps.clock as ManualClock).now = () => new Date();
    server = serveReviewRoutes(deps, log);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    aws.restore();
  });

  it('opens the emailed link, changes nothing by looking, approves fewer minutes, and refuses the link afterwards', async () => {
    // Prepare: a request waiting for a decision, and the link out of the email it produced.
    const request = elevationRequest(REVIEW_REQUEST, {
      reason: 'Restart the stuck payment worker after the 02:00 deploy left it wedged',
      plannedActions: ['ecs:UpdateService payments-worker --force-new-deployment', 'logs:GetLogEvents /ecs/payments-worker'],
    });
    const pending = await pendingRequest(aws, deps, request, baseUrl);
    const email = aws.emails.at(-1);
    const link = pending.links[0];
    expect(email?.html).toContain(link.replace(/&/g, '&amp;'));
    const before = structuredClone(aws.table.items.get(request.requestId));
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) cspViolations.push(message.text());
    });

    // Act 1: open the link, as a person (or a mail scanner) would.
    const shown = await page.goto(link);

    // Assess 1: the page shows the request; opening it changed nothing.
    expect(shown?.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Approve elevated access?');
    await expect(page.getByText('prod (222222222222)').count()).resolves.toBe(1);
    expect(aws.table.items.get(request.requestId)).toEqual(before);
    expect(aws.tokens.isWaiting(pending.taskToken)).toBe(true);
    const screenshots = process.env.JIT_SCREENSHOTS;
    if (screenshots) {
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, 'review-page.png'), fullPage: true });
    }

    // Act 2: lower the minutes and press Approve.
    await page.getByLabel('Minutes').fill('10');
    await page.getByLabel('Note (optional; the reason when you deny)').fill('Only the worker, please.');
    const [decided] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Approve', exact: true }).click()]);

    // Assess 2: the approved page, and the workflow got exactly that decision.
    expect(decided?.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Approved');
    expect(await page.locator('main').textContent()).toContain('Ops in prod for 10 minutes');
    expect(await pending.answer).toMatchObject({ role: 'Ops', minutes: 10, approver: 'security-lead@example.com', note: 'Only the worker, please.', channel: 'web' });

    // Act 3: open the same link again.
    const again = await page.goto(link);

    // Assess 3: already decided, by whom; nothing changed.
    const afterDecision = structuredClone(aws.table.items.get(request.requestId));
    expect(again?.status()).toBe(409);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Already decided');
    expect(await page.locator('main').textContent()).toContain('security-lead@example.com');
    expect(aws.table.items.get(request.requestId)).toEqual(afterDecision);
    expect(cspViolations).toEqual([]);

    if (screenshots && email) {
      // The email as a mail client shows it, with its From and Subject above the body.
      const mailContext = await browser.newContext({ viewport: { width: 600, height: 200 }, deviceScaleFactor: 2 });
      const mail = await mailContext.newPage();
      const header = `<div style="font:14px sans-serif;color:#333;border-bottom:1px solid #ccc;padding:0 0 8px;margin:0 0 8px">From: ${email.from}<br>Subject: <strong>${email.subject.replace(/</g, '&lt;')}</strong></div>`;
      await mail.setContent(email.html.replace(/(<body[^>]*>)/, `$1${header}`));
      await mail.screenshot({ path: join(screenshots, 'approval-email.png'), fullPage: true });
      await mailContext.close();
    }
    await context.close();
  });
});
