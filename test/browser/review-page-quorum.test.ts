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
 * The review page of a request that needs two approvals (a quorum, docs/approvals.md#quorum), in a real browser: Debian's Chromium driven by playwright-core (never a browser
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

const APPROVERS = ['sec-a@example.com', 'sec-b@example.com', 'sec-c@example.com'];

(haveChromium ? describe : describe.skip)('Browser: the review page of a 2-of-3 quorum in headless Chromium', () => {
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
    const settings = { ...approvalSettings(APPROVERS), approvalRoutes: [{ role: 'Ops', approvers: APPROVERS, quorum: 2 }, { approvers: [APPROVERS[0]] }] };
    deps = approvalDeps(settings, new ManualClock());
    (deps.clock as ManualClock).now = () => new Date();
    server = serveReviewRoutes(deps, log);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    aws.restore();
  });

  it('counts the first approval, counts a second press by the same person once, shows who approved so far, and grants at the second person', async () => {
    // Prepare: the request and each approver's own link.
    const request = elevationRequest(REVIEW_REQUEST, { reason: 'Restart the stuck payment worker after the 02:00 deploy left it wedged' });
    const pending = await pendingRequest(aws, deps, request, baseUrl);
    const [linkA, linkB] = pending.links;
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const approve = () => Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Approve', exact: true }).click()]).then(([r]) => r);

    // Act 1: the first approver approves.
    await page.goto(linkA);
    const shownToA = await page.locator('section.quorum').textContent();
    const counted = await approve();
    const countedText = await page.locator('main').textContent();

    // Assess 1: counted, 1 of 2; nothing sent to the workflow.
    expect(pending.links).toHaveLength(3);
    expect(shownToA).toContain('0 of 2 approvals');
    expect(counted?.status()).toBe(202);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Approval counted');
    expect(countedText).toContain('1 of 2');
    expect(aws.tokens.isWaiting(pending.taskToken)).toBe(true);

    // Act 2: the same person opens their link again and presses Approve once more.
    await page.goto(linkA);
    const reopened = await page.locator('section.quorum').textContent();
    const again = await approve();

    // Assess 2: it says so and changes nothing.
    expect(reopened).toContain('You approved at');
    expect(again?.status()).toBe(409);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Already counted');
    expect(aws.tokens.isWaiting(pending.taskToken)).toBe(true);

    // Act 3: the second approver opens their link.
    await page.goto(linkB);
    const shownToB = await page.locator('section.quorum').textContent();
    const screenshots = process.env.JIT_SCREENSHOTS;
    if (screenshots) {
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, 'review-page-quorum.png'), fullPage: true });
    }
    const decided = await approve();

    // Assess 3: the quorum is reached: approved, and the decision names both approvers.
    expect(shownToB).toContain('1 of 2 approvals');
    expect(shownToB).toContain('sec-a@example.com');
    expect(decided?.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Approved');
    expect(await page.locator('main').textContent()).toContain('sec-a@example.com, sec-b@example.com');
    expect(await pending.answer).toMatchObject({
      role: 'Ops',
      approver: 'sec-b@example.com',
      approvers: [{ approver: 'sec-a@example.com' }, { approver: 'sec-b@example.com' }],
    });
    await context.close();
  });
});
