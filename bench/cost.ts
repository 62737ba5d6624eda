/**
 * What one elevation costs in AWS charges: a 15-minute grant of the example config (default audit:
 * 10 minutes' delay, 30 minutes' most lag), approved, used for one call, ended at expiry and audited,
 * run through the synthesized state machine (workflows/local) with the real handlers against the fakes
 * of the tests, in virtual time. Counted: state transitions, Lambda invocations with their memory (from
 * the synthesized template) and durations, AWS API calls per service; priced at public list prices.
 *
 *   npm run bench:cost            a table on stdout
 *   npm run bench:cost -- --json  the same figures as JSON
 *
 * Durations: *measured* is the handler's own time here, against in-memory fakes (a floor); *estimated*
 * adds 40 ms per AWS API call the invocation made and a 400 ms cold start (init) to every invocation,
 * since a broker function sits idle for minutes between them and Lambda bills the init phase.
 * The approver's two requests to the review link (the page, then the decision) run outside the state
 * machine; they are added as two estimated approval-web invocations (3 API calls each) and two HTTP
 * API requests.
 */
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { FakeAws } from '../test/fakes/fake-aws';
import { deployedFunctions, newFakeAws, pendingTaskToken, requestEvent, synthesizedElevation } from '../test/helpers/elevation-harness';
import { synthApp } from '../test/helpers/synth';
import { type LocalFunction, runLocalExecution } from '../workflows/local/local-execution';
import { STATE } from '../workflows/state-names';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const GRANT_MINUTES = 15;
const API_LATENCY_MS = 40;
const COLD_START_MS = 400;

/**
 * List prices, US East (N. Virginia), on-demand, without free tiers (2026-12).
 * @see https://aws.amazon.com/step-functions/pricing/ Standard workflows: $0.025 per 1,000 state transitions
 * @see https://aws.amazon.com/lambda/pricing/ Arm: $0.0000133334 per GB-second, $0.20 per 1M requests; duration includes init
 * @see https://aws.amazon.com/secrets-manager/pricing/ $0.05 per 10,000 API calls ($0.40 per secret-month is not per grant)
 * @see https://aws.amazon.com/dynamodb/pricing/on-demand/ $0.625 per 1M write request units, $0.125 per 1M read request units
 * @see https://aws.amazon.com/eventbridge/pricing/ custom events $1.00 per 1M; Scheduler $1.00 per 1M invocations
 * @see https://aws.amazon.com/ses/pricing/ $0.10 per 1,000 emails
 * @see https://aws.amazon.com/s3/pricing/ S3 Standard PUT $0.005 per 1,000, GET $0.0004 per 1,000
 * @see https://aws.amazon.com/api-gateway/pricing/ HTTP APIs: $1.00 per 1M requests
 * @see https://aws.amazon.com/cloudtrail/pricing/ LookupEvents (event history): no charge; STS and IAM calls: no charge
 */
const PRICE = {
  stateTransition: 0.025 / 1000,
  lambdaRequest: 0.2 / 1e6,
  lambdaArmGbSecond: 0.0000133334,
  lambdaX86GbSecond: 0.0000166667,
  secretsManagerCall: 0.05 / 10_000,
  dynamoDbWrite: 0.625 / 1e6,
  dynamoDbRead: 0.125 / 1e6,
  customEvent: 1 / 1e6,
  schedulerInvocation: 1 / 1e6,
  email: 0.1 / 1000,
  s3Put: 0.005 / 1000,
  s3Get: 0.0004 / 1000,
  httpApiRequest: 1 / 1e6,
} as const;

interface Invocation {
  readonly entry: string;
  readonly memoryMb: number;
  readonly arm: boolean;
  readonly measuredMs: number;
  readonly apiCalls: number;
}

/** The part of an aws-sdk-client-mock stub read here: the commands it received. */
interface CallLog {
  calls(): ReadonlyArray<{ readonly args: readonly unknown[] }>;
}

/** Every SDK stub of the fakes, by service. */
function stubs(aws: FakeAws): Record<string, CallLog> {
  return {
    sts: aws.sts,
    scheduler: aws.scheduler,
    sesv2: aws.ses,
    eventbridge: aws.eventBridge,
    cloudtrail: aws.cloudTrail,
    sfn: aws.sfn,
    iam: aws.iam,
    lambda: aws.lambda,
    secretsmanager: aws.secrets.mock,
    dynamodb: aws.table.mock,
    s3: aws.s3.mock,
  };
}

function callsByOperation(aws: FakeAws): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [service, stub] of Object.entries(stubs(aws))) {
    for (const call of stub.calls()) {
      const name = `${service}:${(call.args[0] as object).constructor.name.replace(/Command$/, '')}`;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  return counts;
}

const totalCalls = (aws: FakeAws) => [...callsByOperation(aws).values()].reduce((a, b) => a + b, 0);

/** Memory and architecture of each function, from the synthesized broker template, by handler module. */
function functionSizes(): Map<string, { memoryMb: number; arm: boolean }> {
  const sizes = new Map<string, { memoryMb: number; arm: boolean }>();
  for (const resource of Object.values(synthApp().json.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = resource.Properties ?? {};
    const entry = (props.Environment as { Variables?: Record<string, string> } | undefined)?.Variables?.JIT_FUNCTION;
    if (entry) sizes.set(entry, { memoryMb: Number(props.MemorySize ?? 128), arm: (props.Architectures as string[] | undefined)?.includes('arm64') ?? false });
  }
  return sizes;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const aws = newFakeAws();
  const { workflow } = synthesizedElevation();
  const sizes = functionSizes();
  // On the fake world's virtual clock, as the workflow tests run them: every Wait state advances it.
  const real = deployedFunctions(aws);

  const invocations: Invocation[] = [];
  const functions = new Map<string, LocalFunction>();
  for (const { arn, entry, handler } of real) {
    const size = sizes.get(entry) ?? { memoryMb: 128, arm: false };
    functions.set(arn, async (payload) => {
      const calls = totalCalls(aws);
      const started = process.hrtime.bigint();
      try {
        return await handler(payload);
      } finally {
        invocations.push({ entry, ...size, measuredMs: Number(process.hrtime.bigint() - started) / 1e6, apiCalls: totalCalls(aws) - calls });
      }
    });
  }

  const requestId = 'req-cost-0001';
  const run = runLocalExecution(
    requestEvent({ requestId, account: 'prod', role: 'Ops', minutes: GRANT_MINUTES, reason: 'Restart the stuck payment worker', plannedActions: ['ecs:UpdateService'] }),
    {
      definition: workflow.definition,
      functions,
      tokens: aws.tokens,
      clock: aws.clock,
      beforeTask: (state) => {
        if (state !== STATE.notifyGranted) return;
        aws.trail.record(aws.minted[0].accessKeyId, { id: 'e-1', name: 'UpdateService', source: 'ecs.amazonaws.com', time: aws.clock.now(), readOnly: false, resources: [{ type: 'AWS::ECS::Service', name: 'payments' }] });
      },
    },
  );
  const token = await pendingTaskToken(aws, requestId);
  await new SFNClient({ region: 'eu-west-1' }).send(
    new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ role: 'Ops', minutes: GRANT_MINUTES, approver: 'security-lead@example.com', decidedAt: new Date().toISOString() }) }),
  );
  const result = await run;
  // The approver's review page and decision: not run here (the decision went straight to the token).
  const web = sizes.get('approval-web') ?? { memoryMb: 128, arm: false };
  const approvalRequests = 2;
  for (let i = 0; i < approvalRequests; i++) invocations.push({ entry: 'approval-web (estimated)', ...web, measuredMs: 0, apiCalls: 3 });
  if (result.status !== 'SUCCEEDED' || result.finalState !== STATE.audited) throw new Error(`The elevation did not end audited: ${JSON.stringify(result)}`);

  // Step Functions counts every state entered (Standard workflows bill the transitions into them).
  const transitions = result.path.length;
  const polls = result.path.filter((s) => s === STATE.collectTrail).length;
  const calls = callsByOperation(aws);
  const count = (prefix: string) => [...calls].filter(([name]) => name.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0);
  const gbSeconds = (ms: (i: Invocation) => number, arm: boolean) => invocations.filter((i) => i.arm === arm).reduce((sum, i) => sum + (i.memoryMb / 1024) * (ms(i) / 1000), 0);
  const estimatedMs = (i: Invocation) => i.measuredMs + i.apiCalls * API_LATENCY_MS + COLD_START_MS;
  const lambdaCost = (ms: (i: Invocation) => number) => invocations.length * PRICE.lambdaRequest + gbSeconds(ms, true) * PRICE.lambdaArmGbSecond + gbSeconds(ms, false) * PRICE.lambdaX86GbSecond;
  const dynamoWrites = count('dynamodb:Put') + count('dynamodb:Update') + count('dynamodb:Delete');
  const dynamoReads = count('dynamodb:Get') + count('dynamodb:Query');
  const publishedEvents = aws.events.length;
  const lines: Array<[string, string, number]> = [
    ['Step Functions', `${transitions} state transitions`, transitions * PRICE.stateTransition],
    ['Lambda (estimated durations)', `${invocations.length} invocations, ${gbSeconds(estimatedMs, true).toFixed(2)} GB-s arm64`, lambdaCost(estimatedMs)],
    ['Secrets Manager', `${count('secretsmanager:')} API calls`, count('secretsmanager:') * PRICE.secretsManagerCall],
    ['DynamoDB', `${dynamoWrites} writes, ${dynamoReads} reads (1 KB items)`, dynamoWrites * PRICE.dynamoDbWrite + dynamoReads * PRICE.dynamoDbRead],
    ['EventBridge', `${publishedEvents} events published`, publishedEvents * PRICE.customEvent],
    ['EventBridge Scheduler', `${aws.schedules.size} schedules (at most one invocation each)`, aws.schedules.size * PRICE.schedulerInvocation],
    ['API Gateway (review link)', `${approvalRequests} HTTP API requests`, approvalRequests * PRICE.httpApiRequest],
    ['SES', `${aws.emails.length} emails`, aws.emails.length * PRICE.email],
    ['S3', `${count('s3:Put')} PUT, ${count('s3:Get') + count('s3:Head')} GET/HEAD`, count('s3:Put') * PRICE.s3Put + (count('s3:Get') + count('s3:Head')) * PRICE.s3Get],
    ['STS, IAM, CloudTrail LookupEvents', `${count('sts:') + count('iam:') + count('cloudtrail:')} API calls`, 0],
  ];
  const total = lines.reduce((sum, [, , cost]) => sum + cost, 0);
  const measuredTotal = total - lambdaCost(estimatedMs) + lambdaCost((i) => i.measuredMs);
  const figures = {
    grantMinutes: GRANT_MINUTES,
    region: 'us-east-1 list prices',
    transitions,
    auditPolls: polls,
    path: result.path,
    invocations: Object.fromEntries([...new Set(invocations.map((i) => i.entry))].map((e) => [e, invocations.filter((i) => i.entry === e).length])),
    lambdaGbSecondsMeasured: gbSeconds((i) => i.measuredMs, true) + gbSeconds((i) => i.measuredMs, false),
    lambdaGbSecondsEstimated: gbSeconds(estimatedMs, true) + gbSeconds(estimatedMs, false),
    apiCalls: Object.fromEntries([...calls].sort()),
    costUsd: Object.fromEntries(lines.map(([service, , cost]) => [service, cost])),
    totalUsd: total,
    totalUsdMeasuredDurations: measuredTotal,
    goalUsd: 0.002,
  };
  if (json) {
    console.log(JSON.stringify(figures, null, 2));
  } else {
    console.log(`One ${GRANT_MINUTES}-minute grant, approved, used, ended at expiry and audited (default audit), priced at us-east-1 list prices.\n`);
    console.log(`States entered (${transitions}): ${result.path.join(' > ')}\n`);
    console.log(`Audit polls (CollectTrail): ${polls}`);
    console.log(`Lambda invocations: ${Object.entries(figures.invocations).map(([e, n]) => `${e} ${n}`).join(', ')}`);
    console.log(`Lambda GB-seconds: ${figures.lambdaGbSecondsMeasured.toFixed(3)} measured, ${figures.lambdaGbSecondsEstimated.toFixed(3)} estimated`);
    console.log(`API calls: ${[...calls].sort().map(([name, n]) => `${name} ${n}`).join(', ')}\n`);
    for (const [service, what, cost] of lines) console.log(`${service.padEnd(36)} ${what.padEnd(48)} $${cost.toFixed(6)}`);
    console.log(`${'Total'.padEnd(36)} ${''.padEnd(48)} $${total.toFixed(6)}   (goal <= $0.002; with measured durations $${measuredTotal.toFixed(6)})`);
  }
  aws.restore();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
