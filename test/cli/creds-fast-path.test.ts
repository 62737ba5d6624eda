import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerCacheDir } from '../../cli/agent/cache-dir';
import { CredentialsCache } from '../../cli/agent/credentials-cache';
import { credsFromCache } from '../../cli/creds-fast-path';
import type { ActiveSecret } from '../../handlers/core/secret-value';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../helpers/synth';

const HUB = '111111111111';
const PROD = '222222222222';
const NOW = new Date();
const SECRET: ActiveSecret = {
  AccessKeyId: 'ASIAFASTPATH00000001',
  SecretAccessKey: 'fast-secret',
  SessionToken: 'fast-token',
  Expiration: new Date(Math.floor(NOW.getTime() / 1000) * 1000 + 10 * 60_000).toISOString().replace('.000Z', 'Z'),
  GrantedFor: 'restart ECS service',
  GrantedMinutes: 10,
  GrantedAt: new Date(Math.floor(NOW.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
  RoleName: 'AgentElevated-Ops',
  RequestId: 'req-fast-0001',
  GrantId: `req-fast-0001-${'f'.repeat(24)}`,
};
const LINE = `${JSON.stringify({ Version: 1, AccessKeyId: SECRET.AccessKeyId, SecretAccessKey: SECRET.SecretAccessKey, SessionToken: SECRET.SessionToken, Expiration: SECRET.Expiration })}\n`;

describe('jit creds fast path: a cache hit without loading the CLI', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let config: string;
  const argv = (...args: string[]) => ['node', 'jit', ...args];
  const cached = (endpoint?: string) => new CredentialsCache({ dir: brokerCacheDir(endpoint, env) });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jit-fast-'));
    // A copy of the config, written before the cache entries of each test.
    config = join(dir, 'jit.config.json');
    copyFileSync(EXAMPLE_CONFIG, config);
    utimesSync(config, new Date(NOW.getTime() - 3_600_000), new Date(NOW.getTime() - 3_600_000));
    env = { JIT_CACHE_DIR: join(dir, 'cache'), JIT_CONFIG: config };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the credential_process line of a fresh entry, by account name or id, with the options AWS profiles use', () => {
    cached('http://127.0.0.1:8787').write(HUB, PROD, SECRET, NOW);

    expect(credsFromCache(argv('creds', '--account', 'prod', '--profile', 'jit-agent', '--endpoint', 'http://127.0.0.1:8787'), env, NOW)).toBe(LINE);
    expect(credsFromCache(argv('--endpoint=http://127.0.0.1:8787', 'creds', `--account=${PROD}`, '--config', config), { JIT_CACHE_DIR: env.JIT_CACHE_DIR }, NOW)).toBe(LINE);
    expect(credsFromCache(argv('creds', '--account', 'prod'), { ...env, JIT_ENDPOINT: 'http://127.0.0.1:8787' }, NOW)).toBe(LINE);
  });

  it.each([
    ['--role (the full CLI checks the role)', ['creds', '--account', 'prod', '--role', 'Ops']],
    ['--no-cache', ['creds', '--account', 'prod', '--no-cache']],
    ['--help', ['creds', '--account', 'prod', '--help']],
    ['another command', ['env', '--account', 'prod']],
    ['no account', ['creds']],
    ['an account the config does not have', ['creds', '--account', 'qa']],
    ['another endpoint (its own cache)', ['creds', '--account', 'prod', '--endpoint', 'http://127.0.0.1:9999']],
    ['an option given twice', ['creds', '--account', 'prod', '--account', 'staging']],
  ])('leaves %s to the full CLI', (_case, args) => {
    cached().write(HUB, PROD, SECRET, NOW);
    expect(credsFromCache(argv(...args), env, NOW)).toBeUndefined();
  });

  it('leaves to the full CLI: no entry, a stale or expired one, a cache turned off or misconfigured, a missing config', () => {
    expect(credsFromCache(argv('creds', '--account', 'prod'), env, NOW)).toBeUndefined();
    cached().write(HUB, PROD, SECRET, NOW);
    expect(credsFromCache(argv('creds', '--account', 'prod'), env, new Date(NOW.getTime() + 61_000))).toBeUndefined();
    cached().write(HUB, PROD, SECRET, NOW);
    expect(credsFromCache(argv('creds', '--account', 'prod'), env, new Date(Date.parse(SECRET.Expiration) + 1))).toBeUndefined();
    cached().write(HUB, PROD, SECRET, NOW);
    expect(credsFromCache(argv('creds', '--account', 'prod'), { ...env, JIT_CREDS_CACHE_SECONDS: '0' }, NOW)).toBeUndefined();
    expect(credsFromCache(argv('creds', '--account', 'prod'), { ...env, JIT_CREDS_CACHE_SECONDS: 'ten' }, NOW)).toBeUndefined();
    expect(credsFromCache(argv('creds', '--account', 'prod'), { ...env, JIT_CONFIG: join(dir, 'none.json') }, NOW)).toBeUndefined();
    // Against the sandbox, whose clock is not this machine's.
    expect(credsFromCache(argv('creds', '--account', 'prod'), { ...env, JIT_SANDBOX_CLOCK: join(dir, 'clock.json') }, NOW)).toBeUndefined();
    expect(credsFromCache(argv('creds', '--account', 'prod'), env, NOW)).toBe(LINE);
  });

  it('leaves to the full CLI a config edited after the entry was written, so the edit is validated', () => {
    cached().write(HUB, PROD, SECRET, NOW);
    const later = new Date(Date.now() + 5_000);
    utimesSync(config, later, later);

    expect(credsFromCache(argv('creds', '--account', 'prod'), env, NOW)).toBeUndefined();
  });

  it('refuses an edited or truncated cache file', () => {
    const cache = cached();
    cache.write(HUB, PROD, SECRET, NOW);
    const file = cache.fileFor(HUB, PROD);
    const entry = JSON.parse(readFileSync(file, 'utf8')) as { secret: Record<string, unknown> };
    writeFileSync(file, JSON.stringify({ ...entry, secret: { ...entry.secret, SessionToken: 7 } }), { mode: 0o600 });
    expect(credsFromCache(argv('creds', '--account', 'prod'), env, NOW)).toBeUndefined();
    cache.write(HUB, PROD, SECRET, NOW);
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 40), { mode: 0o600 });
    expect(credsFromCache(argv('creds', '--account', 'prod'), env, NOW)).toBeUndefined();
  });
});

describe('what the built CLI loads', () => {
  /** The npm packages a run of bin/jit.js loaded (from require.cache at exit). */
  function packagesLoaded(args: string[], env: NodeJS.ProcessEnv = {}): string[] {
    const dir = mkdtempSync(join(tmpdir(), 'jit-load-'));
    try {
      const hook = join(dir, 'hook.js');
      writeFileSync(
        hook,
        `process.on('exit', () => { const names = new Set(Object.keys(require.cache).filter((f) => f.includes('/node_modules/')).map((f) => { const p = f.split('/node_modules/').pop().split('/'); return p[0].startsWith('@') ? p[0] + '/' + p[1] : p[0]; })); require('fs').writeFileSync(${JSON.stringify(join(dir, 'loaded.json'))}, JSON.stringify([...names].sort())); });`,
      );
      try {
        execFileSync(process.execPath, ['--require', hook, join(REPO_ROOT, 'bin', 'jit.js'), ...args], { env: { PATH: process.env.PATH, HOME: dir, JIT_CACHE_DIR: join(dir, 'cache'), ...env }, stdio: 'pipe' });
      } catch {
        // A command that fails (no AWS here) still shows what it loaded.
      }
      return JSON.parse(readFileSync(join(dir, 'loaded.json'), 'utf8')) as string[];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('jit roles loads commander and zod, no AWS SDK', () => {
    expect(packagesLoaded(['--config', EXAMPLE_CONFIG, 'roles'])).toEqual(['commander', 'zod']);
  });

  it('a jit creds miss loads the Secrets Manager client, not the other AWS clients nor the MCP SDK', () => {
    const loaded = packagesLoaded(['--config', EXAMPLE_CONFIG, 'creds', '--account', 'prod', '--endpoint', 'http://127.0.0.1:9'], { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE000000001', AWS_SECRET_ACCESS_KEY: 'x' });
    expect(loaded).toContain('@aws-sdk/client-secrets-manager');
    for (const other of ['@aws-sdk/client-dynamodb', '@aws-sdk/client-s3', '@aws-sdk/client-sfn', '@aws-sdk/client-sqs', '@aws-sdk/client-lambda', '@modelcontextprotocol/sdk', 'nanospinner']) {
      expect(loaded).not.toContain(other);
    }
  });

  it('the entry point of a jit creds hit requires nothing but Node.js built-ins and, on a miss, the CLI', () => {
    const entry = readFileSync(join(REPO_ROOT, 'dist', 'cli', 'jit.cjs'), 'utf8');
    const required = [...entry.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(required.filter((name) => !name.startsWith('node:'))).toEqual(['./main.cjs']);
  });
});
