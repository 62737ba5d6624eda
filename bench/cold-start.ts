/**
 * Cold start of the Slack interactions function against Slack's 3-second answer limit
 * (docs/performance.md#slack-interactions-cold-start).
 *
 * What it runs is what deploys: `cdk synth` of the example config with Slack switched on, bundled with the
 * local esbuild, and the function's own `index.js` from the cloud assembly with the environment the template
 * gives it (`NODE_OPTIONS=--enable-source-maps` included). Each sample is a new `node` process, as a new
 * execution environment is: load the bundle (Lambda's "Function init"), then answer one signed button press
 * (the first invoke, which reads the signing secret, writes the replay marker and hands the press off), then
 * a second press on the same process (warm). The AWS calls go to a stub on 127.0.0.1 that answers at once,
 * so the figures are the function's own work, without the network; the stub checks that the three calls
 * of the synchronous path were made.
 *
 * Lambda gives a function CPU in proportion to its memory, one vCPU at 1,769 MB
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html), so the CPU time measured here is
 * also printed scaled to the function's configured memory: an estimate, not a measurement in Lambda, which
 * also adds its own runtime start and the round trips to Secrets Manager, DynamoDB and Lambda.
 *
 *   npx tsx bench/cold-start.ts [--samples 10]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { addJitStacks } from '../infra/jit-app';
import { blockActionsPayload, formBody, slackConfig, slackEvent, slackSecretString } from '../test/helpers/slack-fixtures';

/** CPU per vCPU-equivalent: Lambda's 1,769 MB (see above). */
const MB_PER_VCPU = 1769;
const SLACK_LIMIT_MS = 3000;

interface Sample {
  readonly loadMs: number;
  readonly firstMs: number;
  readonly warmMs: number;
  readonly cpuToFirstAnswerMs: number;
  readonly status: number;
}

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`);
  return value;
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)];
const ms = (value: number) => `${value.toFixed(0)} ms`;

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** Answers the three calls of the synchronous path, as their services document the answers. */
function startStub(calls: string[]): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    void body(req).then(() => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target === 'secretsmanager.GetSecretValue') {
        calls.push('secretsmanager:GetSecretValue');
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        return res.end(JSON.stringify({ ARN: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:jit/slack-AbCdEf', Name: 'jit/slack', SecretString: slackSecretString(), VersionId: 'v1', VersionStages: ['AWSCURRENT'] }));
      }
      if (target === 'DynamoDB_20120810.PutItem') {
        calls.push('dynamodb:PutItem');
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        return res.end('{}');
      }
      if (req.method === 'POST' && /^\/2015-03-31\/functions\/[^/]+\/invocations/.test(req.url ?? '')) {
        calls.push(`lambda:Invoke(${String(req.headers['x-amz-invocation-type'])})`);
        // Invoke with InvocationType Event answers 202 with no payload.
        res.writeHead(202);
        return res.end();
      }
      calls.push(`unexpected ${req.method} ${req.url} ${target}`);
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      return res.end(JSON.stringify({ __type: 'UnknownOperationException' }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() })));
}

/** Runs one child to its exit; the stub keeps answering meanwhile (a synchronous spawn would block it). */
function runChild(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, stderr })));
  });
}

/** The child: one execution environment, timed from the process's own start. */
const CHILD = `
const { performance } = require('node:perf_hooks');
const started = performance.now();
const cpu0 = process.cpuUsage();
const { handler } = require(process.env.BENCH_INDEX);
const loaded = performance.now();
const events = JSON.parse(process.env.BENCH_EVENTS);
const context = { awsRequestId: 'bench', functionName: 'JitBroker-SlackInteractions', getRemainingTimeInMillis: () => 30000 };
(async () => {
  const first = await handler(events[0], context);
  const answered = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const warm0 = performance.now();
  await handler(events[1], context);
  const warm = performance.now() - warm0;
  process.stderr.write('BENCH ' + JSON.stringify({ loadMs: loaded - started, firstMs: answered - loaded, warmMs: warm, cpuToFirstAnswerMs: (cpu.user + cpu.system) / 1000, status: first.statusCode }) + '\\n');
})().catch((e) => { process.stderr.write('BENCH-ERROR ' + e.stack + '\\n'); process.exit(1); });
`;

async function main(): Promise<void> {
  const samples = argument('samples', 10);
  const outdir = mkdtempSync(join(tmpdir(), 'jit-cold-start-'));
  try {
    process.stdout.write('Synthesizing the broker with bundling (the deployed code)...\n');
    const app = new App({ outdir });
    addJitStacks(app, slackConfig());
    app.synth();
    const template = JSON.parse(readFileSync(join(outdir, 'JitBroker.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === 'JitBroker-SlackInteractions');
    if (!fn) throw new Error('No JitBroker-SlackInteractions function in the synthesized template');
    const code = fn.Properties.Code as { S3Key: string };
    const index = join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`, 'index.js');
    const memory = Number(fn.Properties.MemorySize ?? 128);
    // Values CloudFormation resolves at deploy time (Ref, GetAtt) are placeholders here: names only.
    const variables = Object.fromEntries(
      Object.entries((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).map(([k, v]) => [k, typeof v === 'string' ? v : `bench-${k.toLowerCase()}`]),
    );

    const calls: string[] = [];
    const stub = await startStub(calls);
    const results: Sample[] = [];
    try {
      for (let i = 0; i < samples; i += 1) {
        const now = Math.floor(Date.now() / 1000);
        const events = [0, 1].map((n) => slackEvent(formBody(blockActionsPayload({ requestId: `req-bench-${i}-${n}`, ts: `${now}.00000${n}` })), { timestamp: now }));
        calls.length = 0;
        const run = await runChild({
            PATH: process.env.PATH,
            // The bundle leaves out the AWS SDK, which the Lambda runtime provides; here it is this checkout's.
            NODE_PATH: join(__dirname, '..', 'node_modules'),
            ...variables,
            AWS_REGION: 'eu-west-1',
            AWS_ACCESS_KEY_ID: 'AKIABENCHCOLDSTART00',
            AWS_SECRET_ACCESS_KEY: 'bench-secret-key',
            AWS_ENDPOINT_URL: stub.url,
            BENCH_INDEX: index,
          BENCH_EVENTS: JSON.stringify(events),
        });
        const line = run.stderr.split('\n').find((l) => l.startsWith('BENCH'));
        if (!line?.startsWith("BENCH ")) throw new Error(`sample ${i + 1} failed (exit ${run.code}, calls ${JSON.stringify(calls)}): ${line ?? run.stderr.slice(-2000)}`);
        const sample = JSON.parse(line.slice('BENCH '.length)) as Sample;
        const expected = ['secretsmanager:GetSecretValue', 'dynamodb:PutItem', 'lambda:Invoke(Event)', 'dynamodb:PutItem', 'lambda:Invoke(Event)'];
        if (sample.status !== 200 || JSON.stringify(calls) !== JSON.stringify(expected)) throw new Error(`sample ${i + 1}: status ${sample.status}, calls ${JSON.stringify(calls)}`);
        results.push(sample);
        process.stdout.write(`  sample ${i + 1}/${samples}: load ${ms(sample.loadMs)}, first answer ${ms(sample.firstMs)}, warm ${ms(sample.warmMs)}\n`);
      }
    } finally {
      stub.close();
    }

    const column = (key: keyof Sample) => results.map((r) => r[key]);
    const toFirst = results.map((r) => r.loadMs + r.firstMs);
    const cpuP50 = percentile(column('cpuToFirstAnswerMs'), 50);
    const scaled = cpuP50 * (MB_PER_VCPU / memory);
    process.stdout.write(
      [
        '',
        `Slack interactions function, ${samples} cold starts (bundle ${(statSync(index).size / 1024).toFixed(0)} KiB, ${memory} MB configured; load average ${loadavg()[0].toFixed(2)})`,
        `| | p50 | p90 | max |`,
        `|---|---|---|---|`,
        `| load the bundle (Function init) | ${ms(percentile(column('loadMs'), 50))} | ${ms(percentile(column('loadMs'), 90))} | ${ms(Math.max(...column('loadMs')))} |`,
        `| first answer after load | ${ms(percentile(column('firstMs'), 50))} | ${ms(percentile(column('firstMs'), 90))} | ${ms(Math.max(...column('firstMs')))} |`,
        `| load + first answer | ${ms(percentile(toFirst, 50))} | ${ms(percentile(toFirst, 90))} | ${ms(Math.max(...toFirst))} |`,
        `| warm answer | ${ms(percentile(column('warmMs'), 50))} | ${ms(percentile(column('warmMs'), 90))} | ${ms(Math.max(...column('warmMs')))} |`,
        `| CPU to the first answer | ${ms(cpuP50)} | ${ms(percentile(column('cpuToFirstAnswerMs'), 90))} | ${ms(Math.max(...column('cpuToFirstAnswerMs')))} |`,
        '',
        `Estimate at ${memory} MB (${(memory / MB_PER_VCPU).toFixed(2)} vCPU): ${ms(scaled)} of CPU to the first answer, ${((scaled / SLACK_LIMIT_MS) * 100).toFixed(0)}% of Slack's ${SLACK_LIMIT_MS} ms,`,
        'before Lambda\'s own runtime start and three round trips in the region (not measured here).',
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
