/**
 * Benchmark of the audit's final poll against a simulated CloudTrail LookupEvents: 2 requests/s per
 * region (a third within any second is refused with ThrottlingException), 50 events a page, 80 ms per
 * request. The poll reads every region through the real CloudTrailTrail adapter (rate limiter, backoff),
 * then builds, serialises, digests and renders the report, as the audit Lambda does.
 *
 *   npm run bench            both scenarios, a table on stdout
 *   npm run bench -- --json  the same figures as JSON
 *
 * Scenarios run in child processes so each one's peak memory (maxRSS) is its own:
 * - `10k`: 10,000 events over 3 regions in real time: wall time against the rate-limit floor;
 * - `100k`: 100,000 events over 3 regions in virtual time (the limiter's clock jumps instead of sleeping,
 *   which would take 5.5 minutes): peak memory and CPU time.
 */
import { spawnSync } from 'node:child_process';
import type { CloudTrailClient, Event as CloudTrailApiEvent, LookupEventsCommand, LookupEventsCommandOutput } from '@aws-sdk/client-cloudtrail';
import { CloudTrailTrail, LOOKUP_EVENTS_PAGE_SIZE, LOOKUP_EVENTS_PER_SECOND } from '../handlers/adapters/aws/cloudtrail-trail';
import { eventIdsDigest, planAudit } from '../handlers/core/audit-polling';
import type { BrokerSettings } from '../handlers/core/broker-settings';
import type { ElevationRequest } from '../handlers/core/elevation-request';
import { auditGrant } from '../handlers/use-cases/audit-grant';

const REGIONS = ['eu-west-1', 'eu-central-1', 'us-east-1'];
const LATENCY_MS = 80;
const KEY = 'ASIABENCHMARKKEY0001';
const GRANTED_AT = Date.parse('2026-11-28T10:00:00Z');
const SESSION_MS = 60 * 60_000;

interface Time {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

const realTime: Time = { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/** A clock that jumps to the wake-up time instead of sleeping. */
function virtualTime(): Time {
  let ms = Date.now();
  return {
    now: () => ms,
    sleep: async (wait) => {
      const wake = ms + wait;
      await new Promise((resolve) => setImmediate(resolve));
      ms = Math.max(ms, wake);
    },
  };
}

const eventIdOf = (region: string, i: number) => `${region}-${String(i).padStart(7, '0')}-5f0c2b1e-8a4d-4e6f-9b7a`;

/** The i-th newest event of a region, as LookupEvents returns it: about 1.6 KB with its full record. */
function record(region: string, i: number, count: number): CloudTrailApiEvent {
  const id = eventIdOf(region, i);
  const time = new Date(GRANTED_AT + SESSION_MS - Math.floor((i * SESSION_MS) / count));
  const mutating = i % 10 === 0;
  const name = mutating ? 'UpdateService' : 'DescribeServices';
  return {
    EventId: id,
    EventName: name,
    EventSource: 'ecs.amazonaws.com',
    EventTime: time,
    AccessKeyId: KEY,
    ReadOnly: String(!mutating),
    Resources: [{ ResourceType: 'AWS::ECS::Service', ResourceName: `arn:aws:ecs:${region}:222222222222:service/prod/payments-${i % 50}` }],
    CloudTrailEvent: JSON.stringify({
      eventVersion: '1.09',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLEID:jit-req-bench-0001',
        arn: 'arn:aws:sts::222222222222:assumed-role/AgentElevated-Ops/jit-req-bench-0001',
        accountId: '222222222222',
        accessKeyId: KEY,
        sessionContext: {
          sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLEID', arn: 'arn:aws:iam::222222222222:role/AgentElevated-Ops', accountId: '222222222222', userName: 'AgentElevated-Ops' },
          attributes: { creationDate: new Date(GRANTED_AT).toISOString(), mfaAuthenticated: 'false' },
          sourceIdentity: 'jit-req-bench-0001',
        },
      },
      eventTime: time.toISOString(),
      eventSource: 'ecs.amazonaws.com',
      eventName: name,
      awsRegion: region,
      sourceIPAddress: '203.0.113.7',
      userAgent: 'aws-cli/2.15.0 md/awscrt#0.19.19 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe',
      requestParameters: { cluster: 'prod', services: [`payments-${i % 50}`], include: ['TAGS'] },
      responseElements: null,
      requestID: `${i}-req-0000-0000-000000000000`,
      eventID: id,
      readOnly: !mutating,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '222222222222',
      eventCategory: 'Management',
      tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: `ecs.${region}.amazonaws.com` },
    }),
  };
}

/**
 * LookupEvents of one region: 50 a page, newest first, at most 2 requests in any second. Pages are made
 * when asked for, so the simulated service holds nothing and the memory measured is the audit's own.
 */
class SimulatedLookupEvents {
  readonly accepted: number[] = [];
  throttled = 0;

  constructor(
    private readonly region: string,
    private readonly count: number,
    private readonly time: Time,
  ) {}

  async send(command: LookupEventsCommand): Promise<LookupEventsCommandOutput> {
    const now = this.time.now();
    const recent = this.accepted.filter((t) => t > now - 1000).length;
    if (recent >= LOOKUP_EVENTS_PER_SECOND) {
      this.throttled += 1;
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    }
    this.accepted.push(now);
    await this.time.sleep(LATENCY_MS);
    const offset = command.input.NextToken ? Number(command.input.NextToken) : 0;
    const pageSize = Math.min(command.input.MaxResults ?? LOOKUP_EVENTS_PAGE_SIZE, LOOKUP_EVENTS_PAGE_SIZE);
    const end = Math.min(offset + pageSize, this.count);
    const events = Array.from({ length: end - offset }, (_, k) => record(this.region, offset + k, this.count));
    return { Events: events, NextToken: end < this.count ? String(end) : undefined, $metadata: {} };
  }
}

interface ScenarioResult {
  readonly scenario: string;
  readonly events: number;
  readonly regions: number;
  readonly requests: number;
  readonly throttled: number;
  readonly timeMode: 'real' | 'virtual';
  /** Wall time of the poll (read + report), in seconds. */
  readonly wallSeconds: number;
  /** The least time the rate limit allows for the busiest region's pages, in seconds. */
  readonly floorSeconds: number;
  readonly ratio: number;
  readonly reportBytes: number;
  readonly baselineRssMiB: number;
  readonly peakRssMiB: number;
  readonly peakHeapMiB: number;
  readonly cpuSeconds: number;
}

const MiB = 1024 * 1024;

async function runScenario(name: string, total: number, time: Time, timeMode: 'real' | 'virtual'): Promise<ScenarioResult> {
  const perRegion = REGIONS.map((_, i) => Math.floor(total / REGIONS.length) + (i < total % REGIONS.length ? 1 : 0));
  const services = new Map(REGIONS.map((region, i) => [region, new SimulatedLookupEvents(region, perRegion[i], time)]));
  const settings: BrokerSettings = {
    accounts: [{ id: '222222222222', name: 'prod', roles: [{ name: 'Ops', iamRoleName: 'AgentElevated-Ops', defaultMinutes: 15, maxMinutes: 60 }] }],
    approvalWindowMinutes: 30,
    approvers: ['security-lead@example.com'],
    sender: 'jit-broker@example.com',
    auditRegions: REGIONS.filter((r) => r !== 'us-east-1'),
    auditDelayMinutes: 10,
    auditMaxLagMinutes: 30,
  };
  const request: ElevationRequest = {
    requestId: 'req-bench-0001',
    accountId: '222222222222',
    accountName: 'prod',
    role: 'Ops',
    minutes: 60,
    reason: 'Benchmark',
    plannedActions: ['ecs:Describe*'],
    requestedAt: new Date(GRANTED_AT - 60_000).toISOString(),
  };
  const iso = (ms: number) => new Date(ms).toISOString();
  const planned = planAudit(
    [{ accessKeyId: KEY, grantId: 'req-bench-0001-000000000000000000000000', roleArn: 'arn:aws:iam::222222222222:role/AgentElevated-Ops', sourceIdentity: 'jit-req-bench-0001', issuedAt: iso(GRANTED_AT), expiresAt: iso(GRANTED_AT + SESSION_MS), stsExpiresAt: iso(GRANTED_AT + SESSION_MS), delivered: true }],
    undefined,
    { delayMinutes: 10, maxLagMinutes: 30 },
    new Date(GRANTED_AT + SESSION_MS),
  );
  // The poll before found the same events twice: this is the poll that settles and writes the report.
  const { count, digest } = eventIdsDigest(REGIONS.flatMap((region, r) => Array.from({ length: perRegion[r] }, (_, i) => eventIdOf(region, i))));
  const state = { ...planned, polls: 2, quietPolls: 1, eventCount: count, eventIdsDigest: digest };
  const clock = { now: () => new Date(Date.parse(planned.nextPollAt) + 120_000) };

  let reportBytes = 0;
  const reports = {
    put: async (_key: string, body: string) => {
      reportBytes += Buffer.byteLength(body);
      return { uri: `s3://bench/${_key}`, versionId: 'v1' };
    },
  };
  const trails = () =>
    new CloudTrailTrail({
      clientFor: (region) => services.get(region) as unknown as CloudTrailClient,
      now: time.now,
      sleep: time.sleep,
    });

  global.gc?.();
  const baselineRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 20);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const startedVirtual = time.now();
  const result = await auditGrant({ request, audit: state }, { trails, reports, settings, clock });
  const wallSeconds = (timeMode === 'real' ? performance.now() - started : time.now() - startedVirtual) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  if (!result.report || result.report.eventCount !== total || !result.report.complete) {
    throw new Error(`The poll did not report all ${total} events: ${JSON.stringify(result.report)}`);
  }

  const busiest = Math.max(...perRegion.map((n) => Math.ceil(n / LOOKUP_EVENTS_PAGE_SIZE)));
  const floorSeconds = (busiest - 1) / LOOKUP_EVENTS_PER_SECOND + LATENCY_MS / 1000;
  return {
    scenario: name,
    events: total,
    regions: REGIONS.length,
    requests: [...services.values()].reduce((n, s) => n + s.accepted.length + s.throttled, 0),
    throttled: [...services.values()].reduce((n, s) => n + s.throttled, 0),
    timeMode,
    wallSeconds: Math.round(wallSeconds * 100) / 100,
    floorSeconds: Math.round(floorSeconds * 100) / 100,
    ratio: Math.round((wallSeconds / floorSeconds) * 1000) / 1000,
    reportBytes,
    baselineRssMiB: Math.round(baselineRss / MiB),
    peakRssMiB: Math.round((process.resourceUsage().maxRSS * 1024) / MiB),
    peakHeapMiB: Math.round(peakHeap / MiB),
    cpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
  };
}

const SCENARIOS: Record<string, () => Promise<ScenarioResult>> = {
  '10k': () => runScenario('10k', 10_000, realTime, 'real'),
  '100k': () => runScenario('100k', 100_000, virtualTime(), 'virtual'),
};

function runChild(name: string): ScenarioResult {
  const child = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', __filename, '--scenario', name], { encoding: 'utf8', maxBuffer: 16 * MiB });
  if (child.status !== 0) throw new Error(`Scenario ${name} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as ScenarioResult;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const scenarioAt = args.indexOf('--scenario');
  if (scenarioAt >= 0) {
    const run = SCENARIOS[args[scenarioAt + 1]];
    if (!run) throw new Error(`Unknown scenario ${args[scenarioAt + 1]}; known: ${Object.keys(SCENARIOS).join(', ')}`);
    console.log(JSON.stringify(await run()));
    return;
  }
  const results = Object.keys(SCENARIOS).map(runChild);
  if (args.includes('--json')) {
    console.log(JSON.stringify({ node: process.version, platform: `${process.platform}/${process.arch}`, results }, null, 2));
    return;
  }
  console.log(`Audit benchmark (node ${process.version}, ${process.platform}/${process.arch}); simulated LookupEvents: 2 req/s per region, 50 events a page, ${LATENCY_MS} ms a request.`);
  console.table(
    results.map((r) => ({
      scenario: r.scenario,
      events: r.events,
      regions: r.regions,
      time: r.timeMode,
      requests: r.requests,
      throttled: r.throttled,
      'wall s': r.wallSeconds,
      'floor s': r.floorSeconds,
      'wall/floor': r.ratio,
      'report MiB': Math.round((r.reportBytes / MiB) * 10) / 10,
      'baseline RSS MiB': r.baselineRssMiB,
      'peak RSS MiB': r.peakRssMiB,
      'peak heap MiB': r.peakHeapMiB,
      'CPU s': r.cpuSeconds,
    })),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
