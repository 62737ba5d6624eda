import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { simpleParser } from 'mailparser';
import { type Browser, chromium } from 'playwright-core';
import { APPROVER_COOKIE } from '../../sandbox/http/approver-gate';
import { type RunningSandbox, startSandbox } from '../../sandbox/sandbox';
import { STRANGER_SLACK_USER } from '../../sandbox/slack/slack-stand-in';
import { APPROVER_SLACK_ID, SLACK_CHANNEL, slackSection } from '../helpers/slack-fixtures';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../helpers/synth';

/**
 * The sandbox's Slack stand-in in Debian's Chromium: the whole broker runs offline with `approval.slack`,
 * a request posts its prompt to the stand-in, and pressing Approve there sends the broker's route a
 * signed `block_actions` request, as Slack would. Set JIT_SCREENSHOTS=docs to refresh docs/slack-stand-in.png.
 */
const CHROMIUM = process.env.JIT_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  const message = `\n\n*** BROWSER TEST NOT RUN: no Chromium at ${CHROMIUM}. Install it with: apt-get install chromium ***\n\n`;
  if (process.env.CI) throw new Error(message);
  console.warn(message);
}
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const REQUEST_ID = 'req-slack-web1';
const REVIEWED_ID = 'req-slack-web2';

/** The example config with Slack on, written where the sandbox can read it; policy files by absolute path. */
function slackConfigFile(folder: string): string {
  const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as { approval: object; roles: Array<{ policyFile: string }> };
  const config = {
    ...example,
    approval: { ...example.approval, slack: slackSection() },
    roles: example.roles.map((r) => ({ ...r, policyFile: resolve(REPO_ROOT, r.policyFile) })),
  };
  const file = join(folder, 'jit.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

(haveChromium ? describe : describe.skip)('Browser: the sandbox Slack stand-in in headless Chromium', () => {
  let folder: string;
  let sandbox: RunningSandbox;
  let browser: Browser;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'jit-slack-'));
    sandbox = await startSandbox({ home: join(folder, 'home'), port: 0, timeScale: 1, configFile: slackConfigFile(folder), ...(process.env.JIT_DEBUG_SLACK ? { narrate: (l: string) => process.stderr.write(`${l}\n`), handlerLogLevel: 'INFO' } : {}) });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('shows the posted prompt, refuses a stranger privately, approves as the mapped approver and updates the message', async () => {
    // Prepare: the agent asks; the prompt reaches the stand-in.
    const events = new EventBridgeClient({ region: 'eu-west-1', endpoint: sandbox.url, credentials: sandbox.keys.agent, maxAttempts: 1 });
    await events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: 'jit-broker', Source: 'jit.agent', DetailType: 'Elevation Requested', Detail: JSON.stringify({ requestId: REQUEST_ID, account: 'prod', role: 'Ops', minutes: 15, reason: 'Restart the stuck payment worker' }) }],
      }),
    );
    const status = () => (sandbox.engine.list().length > 0 ? (JSON.parse(readFileSync(join(sandbox.home, 'slack.json'), 'utf8')) as { messages: unknown[] }) : undefined);
    await until('the Slack prompt', () => ((status()?.messages.length ?? 0) > 0 ? true : undefined));
    const context = await browser.newContext({ viewport: { width: 720, height: 900 }, deviceScaleFactor: 2 });
    await context.addCookies([{ name: APPROVER_COOKIE, value: sandbox.approverSecret, url: sandbox.url }]);
    const page = await context.newPage();

    // Act 1: open the workspace page; press Approve as someone the config does not map.
    await page.goto(`${sandbox.url}/slack`);
    const prompt = page.locator('.msg').first();
    await expect(prompt.locator('h3').textContent()).resolves.toBe('Approve Ops for 15 min in prod?');
    await expect(prompt.textContent()).resolves.toContain(`#${SLACK_CHANNEL}`);
    const screenshots = process.env.JIT_SCREENSHOTS;
    if (screenshots) {
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, 'slack-stand-in.png'), fullPage: true });
    }
    await prompt.locator('select[name=user]').selectOption(STRANGER_SLACK_USER);
    await Promise.all([page.waitForNavigation(), prompt.getByRole('button', { name: 'Approve', exact: true }).click()]);

    // Assess 1: told privately, nothing decided.
    await expect(page.locator('.msg .eph').first().textContent()).resolves.toContain('You are not a configured approver');
    expect(sandbox.engine.list()[0].status).toBe('RUNNING');

    // Act 2: press Approve as the mapped approver.
    await page.locator('.msg').first().locator('select[name=user]').selectOption(APPROVER_SLACK_ID);
    await Promise.all([page.waitForNavigation(), page.locator('.msg').first().getByRole('button', { name: 'Approve', exact: true }).click()]);

    // Assess 2: the press was answered at once and decided by the function's own asynchronous invocation
    // right after; the message then shows the outcome without buttons, and the broker granted the role.
    const decidedAt = Date.now();
    while ((await page.locator('.msg h3').first().textContent()) !== 'Approved: Ops for 15 min in prod' && Date.now() - decidedAt < 20_000) {
      await new Promise((r) => setTimeout(r, 100));
      await page.reload();
    }
    await expect(page.locator('.msg h3').first().textContent()).resolves.toBe('Approved: Ops for 15 min in prod');
    await expect(page.locator('.msg').first().getByRole('button').count()).resolves.toBe(0);
    const requests = async () => ((await (await fetch(`${sandbox.url}/?format=json`)).json()) as { requests: Array<Record<string, unknown>> }).requests;
    let granted: Record<string, unknown> | undefined;
    const started = Date.now();
    while (!granted && Date.now() - started < 20_000) {
      granted = (await requests()).find((r) => r.requestId === REQUEST_ID && r.status === 'GRANTED');
      if (!granted) await new Promise((r) => setTimeout(r, 100));
    }
    expect(granted?.decision).toMatchObject({ approver: 'security-lead@example.com', channel: 'slack', role: 'Ops', minutes: 15 });
    if (screenshots) await page.screenshot({ path: join(screenshots, 'slack-stand-in-approved.png'), fullPage: true });
    await context.close();
  });

  it('updates the prompt in the stand-in when the decision is made on the review page instead', async () => {
    // Prepare: a second request (in staging: the first one's grant in prod is still live); its prompt and its email with the review link.
    const events = new EventBridgeClient({ region: 'eu-west-1', endpoint: sandbox.url, credentials: sandbox.keys.agent, maxAttempts: 1 });
    await events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: 'jit-broker', Source: 'jit.agent', DetailType: 'Elevation Requested', Detail: JSON.stringify({ requestId: REVIEWED_ID, account: 'staging', role: 'Ops', minutes: 15, reason: 'Read the worker logs' }) }],
      }),
    );
    const messages = () => (JSON.parse(readFileSync(join(sandbox.home, 'slack.json'), 'utf8')) as { messages: Array<{ text?: string }> }).messages;
    await until('the second Slack prompt', () => (messages().some((m) => String(m.text).includes(REVIEWED_ID)) ? true : undefined));
    const outbox = join(sandbox.home, 'outbox');
    let link: string | undefined;
    const started = Date.now();
    while (!link && Date.now() - started < 20_000) {
      for (const file of readdirSync(outbox).filter((f) => f.endsWith('.eml'))) {
        const mail = await simpleParser(readFileSync(join(outbox, file)));
        const found = /^Review and decide: (\S+)$/m.exec(mail.text ?? '')?.[1];
        if (found?.includes(REVIEWED_ID)) link = found;
      }
      if (!link) await new Promise((r) => setTimeout(r, 100));
    }
    if (!link) throw new Error(`No review link for ${REVIEWED_ID} in the outbox`);
    const context = await browser.newContext({ viewport: { width: 720, height: 900 }, deviceScaleFactor: 2 });
    await context.addCookies([{ name: APPROVER_COOKIE, value: sandbox.approverSecret, url: sandbox.url }]);
    const page = await context.newPage();

    // Act: approve on the review page, not in Slack.
    await page.goto(link);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Approve', exact: true }).click()]);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Approved');

    // Assess: the stack's rule delivers Elevation Granted to the interactions function, which settles the prompt.
    await page.goto(`${sandbox.url}/slack`);
    const prompt = () => page.locator('.msg', { hasText: REVIEWED_ID });
    const decidedAt = Date.now();
    while ((await prompt().locator('h3').textContent()) !== 'Approved: Ops for 15 min in staging' && Date.now() - decidedAt < 20_000) {
      await new Promise((r) => setTimeout(r, 100));
      await page.reload();
    }
    await expect(prompt().locator('h3').textContent()).resolves.toBe('Approved: Ops for 15 min in staging');
    await expect(prompt().textContent()).resolves.toContain('Approved by security-lead@example.com');
    await expect(prompt().getByRole('button').count()).resolves.toBe(0);
    await context.close();
  });
});
