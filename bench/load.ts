import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, ListSecretVersionIdsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretNameFor } from '../handlers/core/broker-settings';
import { startSandbox } from '../sandbox/sandbox';

/**
 * Load in the sandbox (`npm start`'s broker, in this process, on a free port, real time): N elevation
 * requests across two accounts are put at once, and once every approval email is in the outbox all N are
 * approved at once from their review links (POST, as the approver's browser does). For each request the
 * benchmark measures approval -> secret: from the moment its approval was sent to the moment its
 * credentials were written to the account's secret, read back from the secret's versions (their creation
 * time) through the Secrets Manager API, so a later grant that replaces an earlier one in the same secret
 * does not hide it.
 *
 *   npm run bench:load                  N = 10, 50, 200, each in its own process (its own peak RSS)
 *   npm run bench:load -- --n 50        one N
 *   npm run bench:load -- --stored 200  200 finished (denied) requests stored first, then the measured run
 *   npm run bench:load -- --json        the figures as JSON
 *
 * Figures and how to read them: docs/performance.md ("Load in the sandbox").
 */
const DEFAULT_SIZES = [10, 50, 200];

interface Figures {
  readonly n: number;
  readonly stored: number;
  readonly reached: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
  /** From the first request put to the last approval email in the outbox. */
  readonly requestToEmailsMs: number;
  readonly peakRssMiB: number;
  /** CPU time of the sandbox's process (user + system) from the first approval to the last secret. */
  readonly approvalCpuMs: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * With BENCH_PROFILE=<file>, a CPU profile of the measured approvals only (from the first approval to the
 * last secret), for Chrome DevTools or any .cpuprofile viewer; returns the function that writes it.
 */
async function startProfile(): Promise<(() => Promise<void>) | undefined> {
  const file = process.env.BENCH_PROFILE;
  if (!file) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/** One scenario: `stored` requests taken to their secrets first (and left there), then `n` measured. */
async function scenario(n: number, stored: number): Promise<Figures> {
  const folder = mkdtempSync(join(tmpdir(), 'jit-bench-load-'));
  const sandbox = await startSandbox({ home: join(folder, 'home'), port: 0, timeScale: 1, configFile: join(__dirname, '..', 'jit.config.example.json'), handlerLogLevel: 'SILENT' });
  try {
    const region = sandbox.config.config.hub.region;
    const agentCredentials = { accessKeyId: sandbox.keys.agent.accessKeyId, secretAccessKey: sandbox.keys.agent.secretAccessKey };
    const events = new EventBridgeClient({ region, endpoint: sandbox.url, credentials: agentCredentials, maxAttempts: 1 });
    // The agent may only GetSecretValue; the versions' history is read with the broker's own key.
    const brokerCredentials = { accessKeyId: sandbox.keys.broker.accessKeyId, secretAccessKey: sandbox.keys.broker.secretAccessKey };
    const secrets = new SecretsManagerClient({ region, endpoint: sandbox.url, credentials: brokerCredentials, maxAttempts: 1 });
    const accounts = sandbox.config.config.accounts.slice(0, 2);
    const cookie = `jit-sandbox-approver=${sandbox.approverSecret}`;
    const outbox = join(sandbox.home, 'outbox');

    /** Review links by request id, from the approval emails in the outbox. */
    const reviewLinks = (): Map<string, string> => {
      const links = new Map<string, string>();
      let files: string[] = [];
      try {
        files = readdirSync(outbox).filter((f) => f.endsWith('.json'));
      } catch {
        return links;
      }
      for (const file of files) {
        const entry = JSON.parse(readFileSync(join(outbox, file), 'utf8')) as { subject: string; text: string };
        const link = /(http:\/\/127\.0\.0\.1:\d+\/review\/\S+)/.exec(entry.text)?.[1];
        const requestId = /(bench-[\w-]+)/.exec(entry.subject)?.[1];
        if (link && requestId) links.set(requestId, link);
      }
      return links;
    };

    /** Every version written to the two secrets so far: request id -> sandbox time it was written. */
    const written = new Map<string, number>();
    const seenVersions = new Set<string>();
    const readVersions = async (): Promise<void> => {
      for (const account of accounts) {
        const secretId = secretNameFor(account.id);
        const listed = await secrets.send(new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true, MaxResults: 100 }));
        for (const version of listed.Versions ?? []) {
          if (!version.VersionId || seenVersions.has(version.VersionId)) continue;
          seenVersions.add(version.VersionId);
          const value = await secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: version.VersionId }));
          const requestId = (JSON.parse(value.SecretString ?? '{}') as { RequestId?: string }).RequestId;
          if (requestId && version.CreatedDate) written.set(requestId, version.CreatedDate.getTime());
        }
      }
    };

    /**
     * Puts `count` requests, waits for their emails, approves (or denies) all at once; returns when each
     * was decided. Approved ones are measured until their secrets are written.
     */
    const round = async (prefix: string, count: number, action: 'approve' | 'deny' = 'approve'): Promise<{ approvedAt: Map<string, number>; emailsMs: number; cpuMs: number }> => {
      const ids = Array.from({ length: count }, (_, i) => `bench-${prefix}-${String(i).padStart(4, '0')}`);
      const entries = ids.map((requestId, i) => ({
        EventBusName: 'jit-broker',
        Source: 'jit.agent',
        DetailType: 'Elevation Requested',
        Detail: JSON.stringify({ requestId, account: accounts[i % accounts.length].name, role: 'Ops', minutes: 15, reason: 'Load benchmark' }),
      }));
      const putAt = Date.now();
      const batches: Array<typeof entries> = [];
      for (let i = 0; i < entries.length; i += 10) batches.push(entries.slice(i, i + 10));
      await Promise.all(batches.map((Entries) => events.send(new PutEventsCommand({ Entries }))));
      const links = await waitFor(`${count} approval emails`, () => {
        const found = reviewLinks();
        return ids.every((id) => found.has(id)) ? found : undefined;
      }, 60_000 + count * 1_000);
      const emailsMs = Date.now() - putAt;
      const profile = prefix === 'run' ? await startProfile() : undefined;
      const approvedAt = new Map<string, number>();
      const cpuAtApproval = process.cpuUsage();
      await Promise.all(
        ids.map(async (id) => {
          const link = links.get(id) ?? '';
          approvedAt.set(id, sandbox.clock.nowMs());
          const response = await fetch(link.split('?')[0], {
            method: 'POST',
            headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ c: new URL(link).searchParams.get('c') ?? '', action }).toString(),
          });
          if (!response.ok) throw new Error(`Approving ${id}: HTTP ${response.status}`);
        }),
      );
      if (action === 'deny') return { approvedAt, emailsMs, cpuMs: 0 };
      await waitFor(`${count} secrets written`, async () => {
        await readVersions();
        return ids.every((id) => written.has(id)) ? true : undefined;
      }, 60_000 + count * 1_000);
      const cpu = process.cpuUsage(cpuAtApproval);
      await profile?.();
      return { approvedAt, emailsMs, cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
    };

    if (stored > 0) {
      // Finished requests: denied, their executions over (and compacted), their records in the store.
      await round('stored', stored, 'deny');
      await sandbox.engine.settled();
    }
    const measured = await round('run', n);
    const latencies = [...measured.approvedAt].map(([id, at]) => (written.get(id) ?? Number.NaN) - at).sort((a, b) => a - b);
    return {
      n,
      stored,
      reached: latencies.filter((l) => Number.isFinite(l)).length,
      p50Ms: Math.round(percentile(latencies, 50)),
      p95Ms: Math.round(percentile(latencies, 95)),
      maxMs: Math.round(latencies.at(-1) ?? Number.NaN),
      requestToEmailsMs: measured.emailsMs,
      peakRssMiB: Math.round((process.resourceUsage().maxRSS * 1024) / 2 ** 20),
      approvalCpuMs: measured.cpuMs,
    };
  } finally {
    await sandbox.stop();
    if (process.env.BENCH_KEEP) console.error(`kept ${folder}`);
    else rmSync(folder, { recursive: true, force: true });
  }
}

function argument(args: readonly string[], name: string): number | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} takes a whole number of requests; received ${args[i + 1] ?? 'nothing'}.`);
  return value;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--child')) {
    const figures = await scenario(argument(args, '--n') ?? 10, argument(args, '--stored') ?? 0);
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    // The SDK clients keep sockets open; the scenario is over.
    process.exit(0);
  }
  const sizes = argument(args, '--n') !== undefined ? [argument(args, '--n') ?? 0] : DEFAULT_SIZES;
  const stored = argument(args, '--stored') ?? 0;
  const results: Figures[] = [];
  for (const n of sizes) {
    // Each N in its own process: its peak RSS is its own, and nothing stays warm from the last one.
    const child = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', '--n', String(n), ...(stored ? ['--stored', String(stored)] : [])], {
      encoding: 'utf8',
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      maxBuffer: 64 * 2 ** 20,
    });
    const line = child.stdout.trim().split('\n').at(-1) ?? '';
    if (child.status !== 0 || !line.startsWith('{')) throw new Error(`N=${n} failed (exit ${child.status}):\n${child.stderr}\n${child.stdout}`);
    results.push(JSON.parse(line) as Figures);
  }
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  console.log('approval -> secret, all N approved at once, two accounts, real time');
  console.log('     N  stored  reached     p50 ms     p95 ms     max ms  CPU ms (approvals)  requests->emails ms  peak RSS MiB');
  for (const r of results) {
    console.log(
      `${String(r.n).padStart(6)}  ${String(r.stored).padStart(6)}  ${String(r.reached).padStart(7)}  ${String(r.p50Ms).padStart(9)}  ${String(r.p95Ms).padStart(9)}  ${String(r.maxMs).padStart(9)}  ${String(r.approvalCpuMs).padStart(18)}  ${String(r.requestToEmailsMs).padStart(19)}  ${String(r.peakRssMiB).padStart(12)}`,
    );
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
