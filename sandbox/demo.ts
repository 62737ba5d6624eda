import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { SignatureV4 } from '@smithy/signature-v4';
import { APPROVER_COOKIE } from './http/approver-gate';
import { NodeSha256 } from './http/sigv4';
import { type RunningSandbox, startSandbox } from './sandbox';
import type { OutboxEntry } from './services/sesv2';

/**
 * `npm run demo`: one elevation, narrated, in well under a minute: the agent asks, the approver approves
 * from the emailed link over HTTP, the agent reads its credentials and uses them (one call allowed, two
 * refused by the deny-always ceiling), the grant expires, the secret is reset, and the audit report is
 * printed. Everything runs against a fresh sandbox in a temporary folder, 60 times faster than real time.
 */
const TIME_SCALE = 60;
const REQUEST_ID = `demo-${Date.now().toString(36)}`;
const started = Date.now();

function say(text: string): void {
  const s = Math.floor((Date.now() - started) / 1000);
  console.log(`[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${text}`);
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}


/** A JSON-protocol call signed with SigV4, for an API whose SDK client this project does not ship. */
async function callJson(url: string, credentials: AwsCredentialIdentity, service: string, target: string, body: unknown): Promise<{ status: number; text: string }> {
  const endpoint = new URL(url);
  const payload = JSON.stringify(body);
  const signer = new SignatureV4({ credentials, region: 'eu-west-1', service, sha256: NodeSha256 });
  const request = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: endpoint.hostname,
    port: Number(endpoint.port),
    path: '/',
    headers: { host: endpoint.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body: payload,
  });
  const response = await fetch(url, { method: 'POST', headers: request.headers as Record<string, string>, body: payload });
  return { status: response.status, text: await response.text() };
}

function refusal(error: unknown): string {
  const e = error as Error;
  return `${e.name}: ${e.message.replace(/^User: \S+ is not authorized to perform: /, 'not authorized to perform ')}`;
}

async function demo(sandbox: RunningSandbox): Promise<void> {
  const { url, keys } = sandbox;
  const config = { region: sandbox.installation.region, endpoint: url, maxAttempts: 1 };
  const agentKey = { accessKeyId: keys.agent.accessKeyId, secretAccessKey: keys.agent.secretAccessKey };
  const prod = sandbox.config.config.accounts[0];

  say(`The agent (${agentKey.accessKeyId}, standing permissions: read its secret, ask for elevation) asks for Ops in ${prod.name} for 5 minutes.`);
  await new EventBridgeClient({ ...config, credentials: agentKey }).send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: 'jit-broker',
          Source: 'jit.agent',
          DetailType: 'Elevation Requested',
          Detail: JSON.stringify({ requestId: REQUEST_ID, account: prod.name, role: 'Ops', minutes: 5, reason: 'Restart the stuck payment worker' }),
        },
      ],
    }),
  );

  // The outbox and decisions are the approver's: the demo signs in as the approver with its secret.
  const asApprover = { cookie: `${APPROVER_COOKIE}=${sandbox.approverSecret}` };
  const outbox = async (): Promise<OutboxEntry[]> => ((await (await fetch(`${url}/outbox?format=json`, { headers: asApprover })).json()) as { emails: OutboxEntry[] }).emails;
  const email = await until('the approval email', async () => (await outbox()).find((e) => e.subject.includes(REQUEST_ID) && e.text.includes('/review/')));
  const link = /(http:\/\/\S+\/review\/\S+)/.exec(email.text)?.[1] ?? '';
  say(`The state machine registered the request and emailed ${email.to.join(', ')}: "${email.subject}" (${url}/outbox/${email.id}.html).`);

  const shown = await fetch(link);
  say(`The approver opens the link: HTTP ${shown.status}, the page shows the request; opening it decided nothing.`);
  const decided = await fetch(link.split('?')[0], {
    method: 'POST',
    headers: { ...asApprover, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ c: new URL(link).searchParams.get('c') ?? '', action: 'approve', minutes: '5' }).toString(),
  });
  say(`The approver presses Approve: HTTP ${decided.status}. The workflow mints credentials with AssumeRole and a time fence.`);

  const secrets = new SecretsManagerClient({ ...config, credentials: agentKey });
  const readSecret = async () => JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: `agent/elevated/${prod.id}` }))).SecretString ?? '{}') as Record<string, string>;
  const creds = await until('the grant', async () => {
    const value = await readSecret();
    return value.RequestId === REQUEST_ID ? value : undefined;
  });
  say(`The agent reads agent/elevated/${prod.id}: ${creds.AccessKeyId} for ${creds.RoleName}, valid until ${creds.Expiration} (sandbox time).`);

  const session = { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.SessionToken };
  const sts = new STSClient({ ...config, credentials: session });
  const who = await sts.send(new GetCallerIdentityCommand({}));
  say(`  sts:GetCallerIdentity → ${who.Arn}`);
  const list = await callJson(url, session, 'ecs', 'AmazonEC2ContainerServiceV20141113.ListTasks', {});
  say(`  ecs:ListTasks → HTTP ${list.status} (allowed by the Ops role inside the window; the sandbox has no tasks)`);
  try {
    await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${prod.id}:role/OrganizationAccountAccessRole`, RoleSessionName: 'escape' }));
  } catch (error) {
    say(`  sts:AssumeRole (chaining out of the time box) → ${refusal(error)}`);
  }
  try {
    await new SecretsManagerClient({ ...config, credentials: session }).send(new GetSecretValueCommand({ SecretId: `agent/elevated/${prod.id}` }));
  } catch (error) {
    say(`  secretsmanager:GetSecretValue on the broker's secret → ${refusal(error)}`);
  }

  say('Waiting for the grant to expire (5 sandbox minutes)...');
  await until('the reset', async () => ((await readSecret()).status === 'inactive' ? true : undefined));
  say(`At expiry the secret was reset: ${JSON.stringify(await readSecret())}.`);
  const fenced = await callJson(url, session, 'ecs', 'AmazonEC2ContainerServiceV20141113.ListTasks', {});
  say(`  The same credentials now: ecs:ListTasks → HTTP ${fenced.status} (${(JSON.parse(fenced.text) as { __type?: string }).__type}: the session policy's time fence).`);

  say(`Waiting for CloudTrail to settle (${sandbox.config.config.audit.delayMinutes} sandbox minutes and the audit's polls)...`);
  const key = await until(
    'the audit report',
    async () => ((await (await fetch(`${url}/reports?format=json`)).json()) as { reports: string[] }).reports.find((k) => k.includes(REQUEST_ID) && k.endsWith('.md')),
    120_000,
  );
  say(`The audit report (${key}):\n`);
  console.log(await (await fetch(`${url}/reports/${key}`)).text());
}

async function main(): Promise<void> {
  // On Node.js 20 the AWS SDK prints a 9-line notice that its releases after January 2027 need Node.js 22,
  // in the middle of this output; Node.js 22+ is what the README asks for (docs/cli.md, "Node.js").
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const home = mkdtempSync(join(tmpdir(), 'jit-demo-'));
  say(`Starting a fresh sandbox in ${home}, time running ${TIME_SCALE}x (a 5-minute grant lasts 5 seconds)...`);
  const sandbox = await startSandbox({ home, port: 0, timeScale: TIME_SCALE });
  say(`The sandbox serves the AWS APIs, review links and outbox at ${sandbox.url}.`);
  try {
    await demo(sandbox);
    say('Done. `npm start` runs the same sandbox for you to drive; README.md walks through it.');
  } finally {
    await sandbox.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
