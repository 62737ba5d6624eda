import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secretNameFor } from '../handlers/core/broker-settings';
import { LocalAwsEndpoint } from '../test/helpers/local-aws-endpoint';

/**
 * How long `jit creds` takes as AWS tools run it — a new process each time — next to what it replaces,
 * in one run against one local Secrets Manager endpoint (in this process, so the network costs
 * nothing and every figure is start-up plus work):
 * - `node -e 0`: a Node.js process that does nothing;
 * - `jit creds --no-cache`: a cache miss, one GetSecretValue;
 * - `jit creds`: a cache hit, answered from the per-user cache;
 * - bench/agent-use-elevated.sh: the published agent script (the AWS CLI and five jq).
 * The runs are interleaved, so a busy machine slows all four alike. Goals (docs/performance.md): a miss
 * at most 0.4x the script, a hit at most 1.5x `node -e 0`. jit runs built (bin/jit.js -> dist/cli).
 *
 * RUNS=n sets the number of runs (default 15); AWS_CLI the AWS CLI (default /usr/bin/aws); JIT_BIN another
 * jit to time (default bin/jit.js), e.g. an older checkout's, for a before/after.
 */
const RUNS = Number(process.env.RUNS ?? 15);
const AWS_CLI = process.env.AWS_CLI ?? '/usr/bin/aws';
const root = join(__dirname, '..');
const JIT_BIN = process.env.JIT_BIN ?? join(root, 'bin', 'jit.js');
const AGENT_KEY = 'AKIABENCH00000000001';

function median(ms: readonly number[]): number {
  const sorted = [...ms].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function stats(ms: readonly number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return `median ${median(ms).toFixed(0).padStart(4)} ms   min ${sorted[0].toFixed(0).padStart(4)} ms   max ${(sorted.at(-1) ?? 0).toFixed(0).padStart(4)} ms`;
}

async function main(): Promise<void> {
  if (!process.env.JIT_BIN && !existsSync(join(root, 'dist', 'cli', 'jit.cjs'))) throw new Error('jit is not built: run npm run build');
  const haveAwsCli = existsSync(AWS_CLI);
  const endpoint = new LocalAwsEndpoint();
  await endpoint.start();
  const home = mkdtempSync(join(tmpdir(), 'jit-bench-'));
  try {
    const credentials = join(home, 'credentials');
    writeFileSync(credentials, `[jit-agent]\naws_access_key_id = ${AGENT_KEY}\naws_secret_access_key = bench-secret\n`);
    endpoint.keys.set(AGENT_KEY, { secretAccessKey: 'bench-secret', arn: 'arn:aws:iam::111111111111:user/jit-agent' });
    const expiration = new Date(Date.now() + 30 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    endpoint.secrets.set(
      secretNameFor('222222222222'),
      JSON.stringify({
        AccessKeyId: 'ASIABENCH00000000001',
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: expiration,
        GrantedFor: 'restart ECS service',
        GrantedMinutes: 30,
        GrantedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        RoleName: 'AgentElevated-Ops',
        RequestId: 'req-bench-0001',
        GrantId: `req-bench-0001-${'a'.repeat(24)}`,
      }),
    );
    const env = {
      // /usr/bin first: the AWS CLI and jq the script calls.
      PATH: `/usr/bin:/bin:${process.env.PATH ?? ''}`,
      HOME: home,
      AWS_SHARED_CREDENTIALS_FILE: credentials,
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_EC2_METADATA_DISABLED: 'true',
      JIT_CACHE_DIR: join(home, 'cache'),
    };
    const jit = [JIT_BIN, 'creds', '--account', 'prod', '--profile', 'jit-agent', '--config', join(root, 'jit.config.example.json'), '--endpoint', endpoint.url];

    // Asynchronous: the local endpoint answers from this same process.
    const timed = (command: string, argv: readonly string[], extraEnv: Record<string, string> = {}): Promise<number> =>
      new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const child = spawn(command, argv, { env: { ...env, ...extraEnv } });
        let stderr = '';
        child.stdout.resume();
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`${command} ${argv.join(' ')} failed: ${stderr}`))));
      });
    const runs = {
      node: () => timed(process.execPath, ['-e', '0']),
      miss: () => timed(process.execPath, [...jit, '--no-cache']),
      hit: () => timed(process.execPath, jit),
      script: () =>
        timed('/bin/bash', [join(root, 'bench', 'agent-use-elevated.sh'), '222222222222'], {
          AWS_PROFILE: 'jit-agent',
          AWS_ENDPOINT_URL: endpoint.url,
          PATH: `${join(home, 'bin')}:${env.PATH}`,
        }),
    };
    // The script calls `aws`: point it at AWS_CLI whatever comes first on the PATH.
    if (haveAwsCli) {
      mkdirSync(join(home, 'bin'));
      symlinkSync(AWS_CLI, join(home, 'bin', 'aws'));
    }

    // Warm the file system cache; the first `jit creds` fills jit's cache (one GetSecretValue).
    await runs.node();
    await runs.miss();
    await runs.hit();
    if (haveAwsCli) await runs.script();
    const times = { node: [] as number[], miss: [] as number[], hit: [] as number[], script: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      times.node.push(await runs.node());
      times.miss.push(await runs.miss());
      times.hit.push(await runs.hit());
      if (haveAwsCli) times.script.push(await runs.script());
    }
    const reads = endpoint.received.filter((r) => r.operation === 'secretsmanager.GetSecretValue');
    console.log(`${RUNS} runs each, interleaved, Node.js ${process.version}, jit: ${JIT_BIN}\n`);
    console.log(`node -e 0                         ${stats(times.node)}`);
    console.log(`jit creds, cache hit              ${stats(times.hit)}`);
    console.log(`jit creds --no-cache (miss)       ${stats(times.miss)}`);
    if (haveAwsCli) console.log(`agent-use-elevated.sh (aws + jq)  ${stats(times.script)}`);
    else console.log(`agent-use-elevated.sh             not run: no AWS CLI at ${AWS_CLI}`);
    const ratio = (a: number[], b: number[]) => median(a) / median(b);
    console.log('');
    console.log(`hit  / node -e 0 = ${ratio(times.hit, times.node).toFixed(2)}x   (goal <= 1.5x)`);
    if (haveAwsCli) console.log(`miss / script    = ${ratio(times.miss, times.script).toFixed(2)}x   (goal <= 0.4x)`);
    // Every miss and script run reads the secret, and the hit runs never do: exactly this many reads.
    const expected = (RUNS + 1) * (haveAwsCli ? 2 : 1) + 1;
    console.log(`\nGetSecretValue calls: ${reads.length} (expected ${expected}: no hit read the secret), all signed with the agent's key: ${reads.every((r) => r.authentic)}`);
    if (reads.length !== expected || !reads.every((r) => r.authentic)) throw new Error('the runs did not do what they are named for');
  } finally {
    await endpoint.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
