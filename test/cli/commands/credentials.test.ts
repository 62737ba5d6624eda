import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { EXIT } from '../../../cli/exit-codes';
import { secretNameFor } from '../../../handlers/core/broker-settings';
import type { ActiveSecret } from '../../../handlers/core/secret-value';
import { ManualClock } from '../../helpers/approval-fixtures';
import { AgentWorld } from '../../helpers/agent-world';

const PROD = '222222222222';

function grant(now: Date, overrides: Partial<ActiveSecret> = {}): ActiveSecret {
  return {
    AccessKeyId: 'ASIAGRANTEXAMPLE0001',
    SecretAccessKey: 'grant-secret-access-key',
    SessionToken: 'grant-session-token',
    Expiration: new Date(Math.floor(now.getTime() / 1000) * 1000 + 15 * 60_000).toISOString().replace('.000Z', 'Z'),
    GrantedFor: 'restart ECS service',
    GrantedMinutes: 15,
    GrantedAt: new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    RoleName: 'AgentElevated-Ops',
    RequestId: 'req-creds-0001',
    GrantId: `req-creds-0001-${'a'.repeat(24)}`,
    ...overrides,
  };
}

describe('CLI: jit creds, jit env, jit exec', () => {
  let world: AgentWorld;
  let clock: ManualClock;
  const secretReads = () => world.aws.secrets.mock.commandCalls(GetSecretValueCommand).length;
  const cacheFile = () => join(world.cacheDir, `creds-111111111111-${PROD}.json`);

  beforeEach(async () => {
    world = await new AgentWorld().start();
    clock = new ManualClock(new Date());
    world.clock = clock;
  });
  afterEach(() => world.stop());

  it('prints credential_process JSON on one line: Version 1, the keys, Expiration = the approved expiry', async () => {
    // Prepare
    const secret = grant(clock.now());
    await world.storeGrant(PROD, secret);

    // Act
    const run = await world.jit('creds', '--account', 'prod');

    // Assess
    expect(run.code).toBe(EXIT.OK);
    expect(run.stderr).toBe('');
    expect(run.stdout.endsWith('\n')).toBe(true);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toEqual({
      Version: 1,
      AccessKeyId: secret.AccessKeyId,
      SecretAccessKey: secret.SecretAccessKey,
      SessionToken: secret.SessionToken,
      Expiration: secret.Expiration,
    });
  });

  it('fails with one clear line on stderr when the secret holds the placeholder', async () => {
    const run = await world.jit('creds', '--account', 'prod');

    expect(run.code).toBe(EXIT.NO_ACTIVE_GRANT);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([`jit: No active grant for prod (${PROD}): request one with jit request --account prod ...`]);
  });

  it('fails with one clear line when the grant has expired, even before the reset ran', async () => {
    const secret = grant(new Date(clock.now().getTime() - 20 * 60_000));
    await world.storeGrant(PROD, secret);

    const run = await world.jit('creds', '--account', '222222222222');

    expect(run.code).toBe(EXIT.NO_ACTIVE_GRANT);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([`jit: The grant for prod (req-creds-0001) expired at ${secret.Expiration}: request a new one with jit request.`]);
  });

  it('refuses a grant of another role when --role asks for one', async () => {
    await world.storeGrant(PROD, grant(clock.now()));
    const run = await world.jit('creds', '--account', 'prod', '--role', 'Deploy');
    expect(run.code).toBe(EXIT.NO_ACTIVE_GRANT);
    expect(run.stderr).toContain('is for AgentElevated-Ops, not Deploy');
  });

  it('caches a grant per user in a 0600 file: a miss reads the secret, a hit does not', async () => {
    // Prepare
    await world.storeGrant(PROD, grant(clock.now()));

    // Act: miss, then hit.
    const first = await world.jit('creds', '--account', 'prod');
    const readsAfterMiss = secretReads();
    clock.advance(30_000);
    const second = await world.jit('creds', '--account', 'prod');

    // Assess
    expect(first.code).toBe(EXIT.OK);
    expect(second.code).toBe(EXIT.OK);
    expect(second.stdout).toBe(first.stdout);
    expect(readsAfterMiss).toBe(1);
    expect(secretReads()).toBe(1);
    expect(statSync(cacheFile()).mode & 0o777).toBe(0o600);
    expect(statSync(world.cacheDir).mode & 0o777).toBe(0o700);
  });

  it('reads the secret again once the cache entry is older than its bound, and drops it at expiry', async () => {
    await world.storeGrant(PROD, grant(clock.now()));
    await world.jit('creds', '--account', 'prod');

    clock.advance(61_000);
    expect((await world.jit('creds', '--account', 'prod')).code).toBe(EXIT.OK);
    expect(secretReads()).toBe(2);

    clock.advance(15 * 60_000);
    const expired = await world.jit('creds', '--account', 'prod');
    expect(expired.code).toBe(EXIT.NO_ACTIVE_GRANT);
    expect(existsSync(cacheFile())).toBe(false);
  });

  it('ignores a cache file that others could read', async () => {
    await world.storeGrant(PROD, grant(clock.now()));
    await world.jit('creds', '--account', 'prod');
    chmodSync(cacheFile(), 0o644);

    await world.jit('creds', '--account', 'prod');

    expect(secretReads()).toBe(2);
    expect(statSync(cacheFile()).mode & 0o777).toBe(0o600);
  });

  it('ignores a cache entry whose grant expired and refuses to hand it out', async () => {
    const secret = grant(clock.now());
    writeFileSync(cacheFile(), JSON.stringify({ cachedAt: clock.now().toISOString(), secret: { ...secret, Expiration: new Date(clock.now().getTime() - 1000).toISOString() } }), { mode: 0o600 });
    const run = await world.jit('creds', '--account', 'prod');
    expect(run.code).toBe(EXIT.NO_ACTIVE_GRANT);
    expect(secretReads()).toBe(1);
  });

  it('says so when the agent may not read the secret', async () => {
    world.aws.secrets.mock.on(GetSecretValueCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const run = await world.jit('creds', '--account', 'prod');
    expect(run.code).toBe(EXIT.AWS_ACCESS);
    expect(run.stdout).toBe('');
  });

  it('stops instead of calling itself when jit creds is the credential_process of its own profile', async () => {
    process.env.JIT_CREDENTIAL_PROCESS_ACTIVE = '1';
    try {
      const run = await world.jit('creds', '--account', 'prod');
      expect(run.code).toBe(EXIT.CONFIG);
      expect(run.stderr).toContain('jit creds is calling itself');
      expect(secretReads()).toBe(0);
    } finally {
      delete process.env.JIT_CREDENTIAL_PROCESS_ACTIVE;
    }
  });

  it('prints export lines for a shell, quoted, and unsets the profile variables', async () => {
    await world.storeGrant(PROD, grant(clock.now(), { SessionToken: "tok'en" }));
    const run = await world.jit('env', '--account', 'prod');
    expect(run.code).toBe(EXIT.OK);
    expect(run.stdout.trim().split('\n')).toEqual([
      'unset AWS_PROFILE',
      'unset AWS_DEFAULT_PROFILE',
      "export AWS_ACCESS_KEY_ID='ASIAGRANTEXAMPLE0001'",
      "export AWS_SECRET_ACCESS_KEY='grant-secret-access-key'",
      `export AWS_SESSION_TOKEN='tok'\\''en'`,
      `export AWS_CREDENTIAL_EXPIRATION='${grant(clock.now()).Expiration}'`,
    ]);
  });

  it('runs one command with the credentials in its environment only, and exits with its code', async () => {
    // Prepare
    await world.storeGrant(PROD, grant(clock.now()));
    process.env.AWS_PROFILE = 'jit-prod';
    const out = join(world.cacheDir, 'child-env.json');
    const script = `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.env)); process.exit(7)`;

    // Act
    const run = await world.jit('exec', '--account', 'prod', '--', process.execPath, '-e', script);

    // Assess
    expect(run.code).toBe(7);
    expect(run.stdout + run.stderr).not.toContain('grant-secret-access-key');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const childEnv = require(out) as Record<string, string>;
    expect(childEnv).toMatchObject({ AWS_ACCESS_KEY_ID: 'ASIAGRANTEXAMPLE0001', AWS_SECRET_ACCESS_KEY: 'grant-secret-access-key', AWS_SESSION_TOKEN: 'grant-session-token' });
    expect(childEnv.AWS_PROFILE).toBeUndefined();
    expect(process.env.AWS_SECRET_ACCESS_KEY).not.toBe('grant-secret-access-key');
    expect(process.env.AWS_PROFILE).toBe('jit-prod');
  });

  it('does not run the command without an active grant', async () => {
    const marker = join(world.cacheDir, 'ran');
    const run = await world.jit('exec', '--account', 'prod', '--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`);
    expect(run.code).toBe(EXIT.NO_ACTIVE_GRANT);
    expect(existsSync(marker)).toBe(false);
  });

  it('reads the secret named agent/elevated/<account>', async () => {
    await world.storeGrant(PROD, grant(clock.now()));
    await world.jit('creds', '--account', 'prod', '--no-cache');
    expect(world.aws.secrets.mock.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: secretNameFor(PROD) });
  });
});
