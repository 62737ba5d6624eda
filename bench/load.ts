import { fork, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, ListSecretVersionIdsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { agentEventSource, agentSecretName } from '../handlers/core/agents';
import { grantIdOfVersion } from '../handlers/core/grant-window';
import { agentsOf, loadJitConfig } from '../infra/config/load-config';
import { MAX_AGENTS } from '../infra/config/jit-config';
import { cachedInstallation } from '../sandbox/template/installation';
import { type FunctionCalls, startSandbox } from '../sandbox/sandbox';
import type { DecideOrder, DecideReport } from './load-approvers';

/**
 * Load in the sandbox (`npm start`'s broker, in this process, on a free port, real time): N elevation
 * requests across two accounts are put at once, and once every approval email is in the outbox all N are
 * approved at once from their review links (POST, as the approver's browser does), from a process of their
 * own (bench/load-approvers.ts), as browsers are: over the measured approvals the sandbox's process runs
 * the sandbox only, so its CPU time and event-loop figures are the sandbox's. For each request the
 * benchmark measures approval -> secret: from the moment its approval was sent to the moment its
 * credentials were written to its agent's secret of the account, read back from the secret's versions
 * (their creation time) through the Secrets Manager API.
 *
 * One agent holds one live grant per account (docs/agent.md), so the requests come from several agents:
 * request i is agent floor(i/2 mod A)'s in account i mod 2, with A agents (`--agents`; default N/2, at
 * most the 200 a config may have). With N <= 2A every request is its own (agent, account) pair and every
 * one is granted; beyond that, only the first mint of each pair wins the lease and the others end
 * `GrantAlreadyLive` (counted as refused). The benchmark writes its own config: the example's hub,
 * roles and two accounts, with A agents.
 *
 *   npm run bench:load                  N = 10, 50, 200, each in its own process (its own peak RSS)
 *   npm run bench:load -- --n 50        one N
 *   npm run bench:load -- --agents 1    every request from one agent (what the lease does to such a load)
 *   npm run bench:load -- --stored 200  200 finished (denied) requests stored first, then the measured run
 *   npm run bench:load -- --json        the figures as JSON
 *   npm run bench:load -- --function-workers 0   the functions on the sandbox's main thread (default: the
 *                                       sandbox's, sandbox/engine/function-workers.ts)
 *   npm run bench:load -- --function-calls http  the functions' AWS calls over HTTP (default: direct,
 *                                       sandbox/engine/function-aws-transport.ts)
 *
 * Beside the figures of each N it prints `machine ms`: the CPU time of a fixed hashing loop run just before
 * (`machineSpeedMs`), how fast this shared machine was at that moment.
 *
 * Figures and how to read them: docs/performance.md ("Load in the sandbox").
 */
const DEFAULT_SIZES = [10, 50, 200];

interface Figures {
  readonly n: number;
  readonly agents: number;
  readonly stored: number;
  /** Requests whose credentials reached their secret. */
  readonly granted: number;
  /** Requests refused because their agent already held a live grant in the account (`GrantAlreadyLive`). */
  readonly refused: number;
  /** approval -> secret of the granted requests. */
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
  /** From the first approval to the last outcome (secret written or refusal published). */
  readonly allOutcomesMs: number;
  /** From the first request put to the last approval email in the outbox. */
  readonly requestToEmailsMs: number;
  readonly peakRssMiB: number;
  /** Worker threads that ran the broker's functions (0: the sandbox's main thread). */
  readonly functionWorkers: number;
  /** How the functions sent their AWS calls (`direct` or `http`: docs/sandbox.md, "How the functions run"). */
  readonly functionCalls: FunctionCalls;
  /** AWS API calls the sandbox answered from the first approval to the last outcome, over the granted requests. */
  readonly awsCallsPerGrant: number;
  /** How much of the approvals' window the main thread's event loop was busy, %. */
  readonly mainBusyPercent: number;
  /** The same for each function worker, %. */
  readonly workersBusyPercent: readonly number[];
  /** CPU time of the sandbox's process (user + system) from the first approval to the last outcome. */
  readonly approvalCpuMs: number;
  /** That CPU time over the granted requests. */
  readonly cpuMsPerGrant: number;
  /** Grants whose GrantedAt (as the secret holds it) is before their first secret version was written (must be 0). */
  readonly clockBeforeReadable: number;
  /** The most a grant's GrantedAt came before its first secret version was written, ms. */
  readonly clockEarlyMaxMs: number;
  /** Grants restamped because their write was answered after their planned GrantedAt. */
  readonly restamped: number;
  /** CPU ms of `machineSpeedMs`'s fixed loop, run just before this N: how fast this machine was then. */
  readonly machineMs: number;
}

/**
 * How fast the machine is right now: the CPU time, in ms, of a fixed loop (60,000 SHA-256 digests of 4 KiB).
 * A shared 2-vCPU machine's speed moves by a third or more from one minute to the next, and the load
 * figures with it; this is printed beside them so two runs can be compared (docs/performance.md).
 */
function machineSpeedMs(): number {
  const block = Buffer.alloc(4096, 1);
  const started = process.cpuUsage();
  for (let i = 0; i < 60_000; i++) createHash('sha256').update(block).digest();
  const used = process.cpuUsage(started);
  return Math.round((used.user + used.system) / 1000);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * With BENCH_PROFILE=<file>, a CPU profile of the measured approvals only (from the first approval to the
 * last outcome), for Chrome DevTools or any .cpuprofile viewer; returns the function that writes it.
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

interface Approvers {
  decide(order: DecideOrder): Promise<Extract<DecideReport, { ok: true }>>;
  stop(): void;
}

/**
 * The approvers' process (bench/load-approvers.ts), forked once per scenario and ready before the first
 * round: its start-up is not in any figure. If it dies, what waits on it fails (no hang).
 */
async function startApprovers(): Promise<Approvers> {
  const child = fork(join(__dirname, 'load-approvers.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let exited: Error | undefined;
  const waiting = new Set<(error: Error) => void>();
  child.once('exit', (code, signal) => {
    exited = new Error(`The approvers' process exited (${code ?? signal}).`);
    for (const fail of waiting) fail(exited);
  });
  const next = <T>(): Promise<T> =>
    new Promise<T>((done, failed) => {
      if (exited) return failed(exited);
      waiting.add(failed);
      child.once('message', (message: T) => {
        waiting.delete(failed);
        done(message);
      });
    });
  await next<{ ready: true }>();
  return {
    decide: async (order) => {
      const answer = next<DecideReport>();
      child.send(order);
      const report = await answer;
      if (!report.ok) throw new Error(`The approvers' process: ${report.error}`);
      return report;
    },
    stop: () => child.kill(),
  };
}

/** The example config with `count` agents (the first keeps the seed's names) and absolute policy files. */
function benchConfig(folder: string, count: number): string {
  const root = join(__dirname, '..');
  const config = JSON.parse(readFileSync(join(root, 'jit.config.example.json'), 'utf8')) as Record<string, unknown> & { roles: Array<{ policyFile: string }> };
  config.roles = config.roles.map((role) => ({ ...role, policyFile: resolve(root, role.policyFile) }));
  delete config.agent;
  config.agents = Array.from({ length: count }, (_, i) => (i === 0 ? { id: 'default', kind: 'user', name: 'jit-agent' } : { id: `bench-${i}`, kind: 'user' }));
  // The per-agent request limits (docs/approvals.md#request-limits) would refuse the benchmark's own load; it
  // measures the lifecycle, so it runs at the schema's maxima.
  config.limits = { pendingPerAgent: 100, requestsPerHourPerAgent: 1000 };
  const file = join(folder, 'jit.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** One scenario: `stored` requests denied first (and left in the store), then `n` measured. */
async function scenario(n: number, agentCount: number, stored: number, functionWorkers: number | undefined, functionCalls: FunctionCalls | undefined): Promise<Omit<Figures, 'machineMs'>> {
  const folder = mkdtempSync(join(tmpdir(), 'jit-bench-load-'));
  const configFile = benchConfig(folder, agentCount);
  const approvers = await startApprovers();
  const sandbox = await startSandbox({ home: join(folder, 'home'), port: 0, timeScale: 1, configFile, handlerLogLevel: 'SILENT', ...(functionWorkers === undefined ? {} : { functionWorkers }), ...(functionCalls ? { functionCalls } : {}) }).catch((error: unknown) => {
    approvers.stop();
    rmSync(folder, { recursive: true, force: true });
    throw error;
  });
  try {
    const region = sandbox.config.config.hub.region;
    const agents = agentsOf(sandbox.config.config).map((agent, i) => {
      const ref = { id: agent.id, primary: i === 0 };
      const key = sandbox.keys.agents[agent.id];
      // Each agent sends with its own key and its own source, as its PutEvents permission requires.
      const events = new EventBridgeClient({ region, endpoint: sandbox.url, credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, maxAttempts: 1 });
      return { ref, source: agentEventSource(ref), events };
    });
    // An agent may only GetSecretValue; the versions' history is read with the broker's own key.
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

    /**
     * Every version written to the given secrets: request id -> sandbox time it was written (the version's
     * creation time, so when it is read does not change what it measures). Read once the outcomes are in,
     * after the measured window: the benchmark's own calls share the sandbox's process.
     */
    const written = new Map<string, number>();
    /** request id -> the grant's GrantedAt as its secret says (its clock's start), in its latest version. */
    const clockStarts = new Map<string, number>();
    /** Grants the mint restamped (their write was answered after their planned GrantedAt). */
    const restamped = new Set<string>();
    const readVersions = async (secretIds: ReadonlySet<string>): Promise<void> => {
      const latest = new Map<string, number>();
      for (const secretId of secretIds) {
        const listed = await secrets.send(new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true, MaxResults: 100 }));
        for (const version of listed.Versions ?? []) {
          if (!version.VersionId || !version.CreatedDate) continue;
          const value = await secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: version.VersionId }));
          const { RequestId: requestId, GrantedAt: grantedAt } = JSON.parse(value.SecretString ?? '{}') as { RequestId?: string; GrantedAt?: string };
          if (!requestId) continue;
          const created = version.CreatedDate.getTime();
          // Readable from its first version (a restamp holds the same credentials, written later).
          written.set(requestId, Math.min(created, written.get(requestId) ?? Number.POSITIVE_INFINITY));
          if (grantIdOfVersion(version.VersionId) !== version.VersionId) restamped.add(requestId);
          if (grantedAt && created >= (latest.get(requestId) ?? Number.NEGATIVE_INFINITY)) {
            latest.set(requestId, created);
            clockStarts.set(requestId, Date.parse(grantedAt));
          }
        }
      }
    };
    /**
     * Puts `count` requests, waits for their emails, approves (or denies) all at once; returns when each
     * was decided. Approved ones are followed until their secrets are written or they are refused.
     */
    const round = async (prefix: string, count: number, action: 'approve' | 'deny' = 'approve') => {
      const requests = Array.from({ length: count }, (_, i) => ({
        requestId: `bench-${prefix}-${String(i).padStart(4, '0')}`,
        agent: agents[Math.floor(i / accounts.length) % agents.length],
        account: accounts[i % accounts.length],
      }));
      const ids = requests.map((r) => r.requestId);
      const putAt = Date.now();
      await Promise.all(
        agents.map(async (agent) => {
          const entries = requests
            .filter((r) => r.agent === agent)
            .map((r) => ({
              EventBusName: 'jit-broker',
              Source: agent.source,
              DetailType: 'Elevation Requested',
              Detail: JSON.stringify({ requestId: r.requestId, account: r.account.name, role: 'Ops', minutes: 15, reason: 'Load benchmark' }),
            }));
          const batches: Array<typeof entries> = [];
          for (let i = 0; i < entries.length; i += 10) batches.push(entries.slice(i, i + 10));
          await Promise.all(batches.map((Entries) => agent.events.send(new PutEventsCommand({ Entries }))));
        }),
      );
      const links = await waitFor(`${count} approval emails`, () => {
        const found = reviewLinks();
        return ids.every((id) => found.has(id)) ? found : undefined;
      }, 60_000 + count * 1_000);
      const emailsMs = Date.now() - putAt;
      const profile = prefix === 'run' ? await startProfile() : undefined;
      const cpuAtApproval = process.cpuUsage();
      const mainAtApproval = performance.eventLoopUtilization();
      const workersAtApproval = sandbox.functionWorkerUtilization();
      const firstApproval = sandbox.clock.nowMs();
      const callsAtApproval = sandbox.awsCallsAnswered();
      const report = await approvers.decide({
        links: ids.map((requestId) => {
          const link = new URL(links.get(requestId) ?? '');
          return { requestId, url: `${link.origin}${link.pathname}`, capability: link.searchParams.get('c') ?? '' };
        }),
        cookie,
        action,
        ...(action === 'approve' ? { eventsUrl: `${sandbox.url}/events?format=json` } : {}),
        pollMs: 500,
        timeoutMs: 60_000 + count * 1_000,
      });
      // The approvers' clock is this machine's wall clock; the sandbox's runs at the same rate from its anchor.
      const toSandboxMs = sandbox.clock.nowMs() - Date.now();
      const approvedAt = new Map(report.sentAt.map(([id, at]) => [id, at + toSandboxMs]));
      if (action === 'deny') return { approvedAt, refusedIds: new Set<string>(), emailsMs, cpuMs: 0, allOutcomesMs: 0, mainBusy: Number.NaN, workersBusy: [], awsCalls: 0 };
      const decided = { granted: new Set(report.granted), refused: new Set(report.refused) };
      const refusedIds = decided.refused;
      const allOutcomesMs = report.outcomesSeenAt + toSandboxMs - firstApproval;
      const awsCalls = sandbox.awsCallsAnswered() - callsAtApproval;
      const cpu = process.cpuUsage(cpuAtApproval);
      const mainBusy = performance.eventLoopUtilization(mainAtApproval).utilization;
      const workersBusy = sandbox.functionWorkerUtilization().map((now, i) => {
        const then = workersAtApproval[i];
        return then ? performance.eventLoopUtilization(now, then).utilization : Number.NaN;
      });
      await profile?.();
      const grantedSecrets = requests.filter((r) => decided.granted.has(r.requestId)).map((r) => agentSecretName(r.agent.ref, r.account.id));
      await readVersions(new Set(grantedSecrets));
      return { approvedAt, refusedIds, emailsMs, cpuMs: Math.round((cpu.user + cpu.system) / 1000), allOutcomesMs, mainBusy, workersBusy, awsCalls };
    };

    if (stored > 0) {
      // Finished requests: denied, their executions over (and compacted), their records in the store.
      await round('stored', stored, 'deny');
      await sandbox.engine.settled();
    }
    const measured = await round('run', n);
    const latencies = [...measured.approvedAt]
      .filter(([id]) => written.has(id))
      .map(([id, at]) => (written.get(id) ?? Number.NaN) - at)
      .sort((a, b) => a - b);
    return {
      n,
      agents: agents.length,
      stored,
      granted: latencies.length,
      refused: [...measured.approvedAt.keys()].filter((id) => measured.refusedIds.has(id)).length,
      p50Ms: Math.round(percentile(latencies, 50)),
      p95Ms: Math.round(percentile(latencies, 95)),
      maxMs: Math.round(latencies.at(-1) ?? Number.NaN),
      allOutcomesMs: measured.allOutcomesMs,
      requestToEmailsMs: measured.emailsMs,
      peakRssMiB: Math.round((process.resourceUsage().maxRSS * 1024) / 2 ** 20),
      functionWorkers: sandbox.functionWorkers,
      functionCalls: sandbox.functionCalls,
      awsCallsPerGrant: latencies.length ? Math.round((measured.awsCalls / latencies.length) * 10) / 10 : Number.NaN,
      mainBusyPercent: Math.round(measured.mainBusy * 100),
      workersBusyPercent: measured.workersBusy.map((u) => Math.round(u * 100)),
      approvalCpuMs: measured.cpuMs,
      cpuMsPerGrant: latencies.length ? Math.round(measured.cpuMs / latencies.length) : Number.NaN,
      // The grant's clock must start no earlier than its credentials can be read (docs/architecture.md,
      // "Time box"): GrantedAt at or after the version's creation.
      clockBeforeReadable: [...written].filter(([id, at]) => (clockStarts.get(id) ?? Number.POSITIVE_INFINITY) < at).length,
      clockEarlyMaxMs: Math.max(0, ...[...written].map(([id, at]) => at - (clockStarts.get(id) ?? at))),
      restamped: restamped.size,
    };
  } finally {
    approvers.stop();
    await sandbox.stop();
    if (process.env.BENCH_KEEP) console.error(`kept ${folder}`);
    else rmSync(folder, { recursive: true, force: true });
  }
}

/** A whole-number option (`--n`, `--agents`, `--stored`: at least 1; `--function-workers`: 0 or more), or undefined when absent. */
function argument(args: readonly string[], name: string, { min = 1, of = 'requests' }: { min?: number; of?: string } = {}): number | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} takes a whole number of ${of}${min === 0 ? ' (0: none)' : ''}; received ${args[i + 1] ?? 'nothing'}.`);
  return value;
}

/** `--function-workers N`, or undefined for the sandbox's default. */
const functionWorkersArgument = (args: readonly string[]) => argument(args, '--function-workers', { min: 0, of: 'worker threads' });

/** `--function-calls direct|http`, or undefined for the sandbox's default. */
function functionCallsArgument(args: readonly string[]): FunctionCalls | undefined {
  const i = args.indexOf('--function-calls');
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value !== 'direct' && value !== 'http') throw new Error(`--function-calls takes direct or http; received ${value ?? 'nothing'}.`);
  return value;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const agentsFor = (n: number) => argument(args, '--agents') ?? Math.min(MAX_AGENTS, Math.ceil(n / 2));
  if (args.includes('--child')) {
    const n = argument(args, '--n') ?? 10;
    const figures = await scenario(n, agentsFor(n), argument(args, '--stored') ?? 0, functionWorkersArgument(args), functionCallsArgument(args));
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    // The SDK clients keep sockets open; the scenario is over.
    process.exit(0);
  }
  const sizes = argument(args, '--n') !== undefined ? [argument(args, '--n') ?? 0] : DEFAULT_SIZES;
  const stored = argument(args, '--stored') ?? 0;
  const functionWorkers = functionWorkersArgument(args);
  const functionCalls = functionCallsArgument(args);
  const results: Figures[] = [];
  // Synthesized once here (the shared synth cache), so no child's time or peak RSS includes the CDK.
  for (const count of new Set(sizes.map(agentsFor))) {
    const folder = mkdtempSync(join(tmpdir(), 'jit-bench-load-synth-'));
    try {
      cachedInstallation(loadJitConfig(benchConfig(folder, count)), join(folder, 'home'));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }
  for (const n of sizes) {
    const machineMs = machineSpeedMs();
    // Each N in its own process: its peak RSS is its own, and nothing stays warm from the last one.
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, __filename, '--child', '--n', String(n), '--agents', String(agentsFor(n)), ...(stored ? ['--stored', String(stored)] : []), ...(functionWorkers === undefined ? [] : ['--function-workers', String(functionWorkers)]), ...(functionCalls ? ['--function-calls', functionCalls] : [])],
      {
        encoding: 'utf8',
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        maxBuffer: 64 * 2 ** 20,
      },
    );
    const line = child.stdout.trim().split('\n').at(-1) ?? '';
    if (child.status !== 0 || !line.startsWith('{')) throw new Error(`N=${n} failed (exit ${child.status}):\n${child.stderr}\n${child.stdout}`);
    results.push({ ...(JSON.parse(line) as Omit<Figures, 'machineMs'>), machineMs });
  }
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  const [load1, load5] = loadavg();
  console.log(`approval -> secret, all N approved at once, two accounts, real time; load average now ${load1.toFixed(2)} (1 min), ${load5.toFixed(2)} (5 min), ${cpus().length} CPUs`);
  const columns: Array<[string, (r: Figures) => number | string]> = [
    ['N', (r) => r.n],
    ['agents', (r) => r.agents],
    ['stored', (r) => r.stored],
    ['granted', (r) => r.granted],
    ['refused', (r) => r.refused],
    ['p50 ms', (r) => r.p50Ms],
    ['p95 ms', (r) => r.p95Ms],
    ['max ms', (r) => r.maxMs],
    ['all outcomes ms', (r) => r.allOutcomesMs],
    ['CPU ms', (r) => r.approvalCpuMs],
    ['CPU ms/grant', (r) => r.cpuMsPerGrant],
    ['requests->emails ms', (r) => r.requestToEmailsMs],
    ['peak RSS MiB', (r) => r.peakRssMiB],
    ['AWS calls/grant', (r) => r.awsCallsPerGrant],
    ['function workers', (r) => r.functionWorkers],
    ['function calls', (r) => r.functionCalls],
    ['main busy %', (r) => r.mainBusyPercent],
    ['workers busy %', (r) => (r.workersBusyPercent.length ? r.workersBusyPercent.join('/') : '-')],
    ['clock before readable', (r) => r.clockBeforeReadable],
    ['by at most ms', (r) => r.clockEarlyMaxMs],
    ['restamped', (r) => r.restamped],
    ['machine ms', (r) => r.machineMs],
  ];
  console.log(columns.map(([name]) => name.padStart(Math.max(8, name.length))).join(' '));
  for (const r of results) console.log(columns.map(([name, value]) => String(value(r)).padStart(Math.max(8, name.length))).join(' '));
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
