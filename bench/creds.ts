import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secretNameFor } from '../handlers/core/broker-settings';
import { LocalAwsEndpoint } from '../test/helpers/local-aws-endpoint';

/**
 * How long `jit creds` takes as AWS tools run it — a new process each time — with the grant read from a
 * local Secrets Manager endpoint (cache miss) and from the per-user cache (cache hit). botocore runs
 * credential_process on every request in a grant's last 15 minutes, so this is added to each AWS call then.
 */
const RUNS = Number(process.env.RUNS ?? 10);
const root = join(__dirname, '..');

function stats(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `median ${median.toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms (${ms.length} runs)`;
}

async function main(): Promise<void> {
  const endpoint = new LocalAwsEndpoint();
  await endpoint.start();
  const home = mkdtempSync(join(tmpdir(), 'jit-bench-'));
  const credentials = join(home, 'credentials');
  writeFileSync(credentials, '[jit-agent]\naws_access_key_id = AKIABENCH00000000001\naws_secret_access_key = bench-secret\n');
  endpoint.keys.set('AKIABENCH00000000001', { secretAccessKey: 'bench-secret', arn: 'arn:aws:iam::111111111111:user/jit-agent' });
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
      GrantedAt: expiration,
      RoleName: 'AgentElevated-Ops',
      RequestId: 'req-bench-0001',
      GrantId: `req-bench-0001-${'a'.repeat(24)}`,
    }),
  );
  const env = { PATH: process.env.PATH, HOME: home, AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: join(home, 'config'), JIT_CACHE_DIR: join(home, 'cache') };
  const args = [join(root, 'bin', 'jit.js'), 'creds', '--account', 'prod', '--profile', 'jit-agent', '--config', join(root, 'jit.config.example.json'), '--endpoint', endpoint.url];

  // Asynchronous: the local endpoint answers from this same process.
  const timed = (argv: string[]): Promise<number> =>
    new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const child = spawn(process.execPath, argv, { env });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`failed: ${stderr}`))));
    });
  const time = (extra: string[]) => timed([...args, ...extra]);
  const nodeOnly = () => timed(['-e', '0']);

  await time([]); // warm the file system cache
  const bare: number[] = [];
  const miss: number[] = [];
  const hit: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push(await nodeOnly());
    miss.push(await time(['--no-cache']));
    hit.push(await time([]));
  }
  const reads = endpoint.received.filter((r) => r.operation === 'secretsmanager.GetSecretValue').length;
  console.log(`node -e 0 (process start alone):      ${stats(bare)}`);
  console.log(`jit creds, cache miss (GetSecretValue): ${stats(miss)}`);
  console.log(`jit creds, cache hit:                   ${stats(hit)}`);
  console.log(`GetSecretValue calls: ${reads} for ${RUNS * 2 + 1} runs`);
  await endpoint.stop();
  rmSync(home, { recursive: true, force: true });
}

void main();
