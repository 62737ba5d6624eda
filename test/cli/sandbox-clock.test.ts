import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliContext } from '../../cli/context';
import { CredentialsCache } from '../../cli/agent/credentials-cache';
import { signIdentityProof } from '../../cli/agent/identity-proof-signer';
import { cliClock, sandboxClock } from '../../cli/sandbox-clock';
import { checkIdentityProof } from '../../handlers/core/identity-proof';
import { CapturedIo } from '../helpers/captured-io';

const REAL = Date.parse('2026-11-28T10:00:00Z');
/** The sandbox after a scaled run: its clock is six hours ahead of real time, now at 1×. */
const AHEAD = REAL + 6 * 3600_000;

describe('CLI: the sandbox clock jit reads from JIT_SANDBOX_CLOCK', () => {
  const home = mkdtempSync(join(tmpdir(), 'jit-sandbox-clock-'));
  const file = join(home, 'clock.json');
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('follows the anchor the sandbox writes, including a restart at another rate, and is real time without one', () => {
    let real = REAL;
    const clock = sandboxClock(file, () => real);
    expect(clock.now().getTime()).toBe(REAL); // no file yet
    writeFileSync(file, JSON.stringify({ realMs: REAL, sandboxMs: AHEAD, scale: 60 }));
    real += 1000;
    expect(clock.now().getTime()).toBe(AHEAD + 60_000);
    writeFileSync(file, JSON.stringify({ realMs: real, sandboxMs: AHEAD + 60_000, scale: 1 }));
    real += 1000;
    expect(clock.now().getTime()).toBe(AHEAD + 61_000);
    expect(cliClock({ JIT_SANDBOX_CLOCK: file })).not.toBe(cliClock({}));
  });

  it('signs identity proofs in sandbox time, so jit end and jit revoke work after a scaled run', async () => {
    writeFileSync(file, JSON.stringify({ realMs: Date.now(), sandboxMs: Date.now() + 6 * 3600_000, scale: 1 }));
    const ctx = new CliContext({ endpoint: 'http://127.0.0.1:8787' }, new CapturedIo(), cliClock({ JIT_SANDBOX_CLOCK: file }));
    const proof = await signIdentityProof({
      credentials: { accessKeyId: 'ASIAPROOF00000000001', secretAccessKey: 'secret', sessionToken: 'token' },
      endpoint: 'http://127.0.0.1:8787',
      region: 'eu-west-1',
      purpose: 'end',
      requestId: 'req-clock-0001',
      signingDate: ctx.clock.now(),
    });
    // The broker checks it against its own (sandbox) clock.
    const sandboxNow = sandboxClock(file).now();
    expect(checkIdentityProof(proof, { endpoint: new URL('http://127.0.0.1:8787'), now: sandboxNow })).toMatchObject({ ok: true });
    // Signed with real time, as before, the same proof was refused.
    const realSigned = await signIdentityProof({
      credentials: { accessKeyId: 'ASIAPROOF00000000001', secretAccessKey: 'secret', sessionToken: 'token' },
      endpoint: 'http://127.0.0.1:8787',
      region: 'eu-west-1',
      purpose: 'end',
      requestId: 'req-clock-0001',
      signingDate: new Date(),
    });
    expect(checkIdentityProof(realSigned, { endpoint: new URL('http://127.0.0.1:8787'), now: sandboxNow })).toMatchObject({ ok: false, problems: ['proof: expired'] });
  });

  it('bounds the creds cache by the grant’s own clock: at 60× a cached grant is dropped once it expires in sandbox time', () => {
    let real = REAL;
    writeFileSync(file, JSON.stringify({ realMs: REAL, sandboxMs: REAL, scale: 60 }));
    const clock = sandboxClock(file, () => real);
    const cache = new CredentialsCache({ dir: join(home, 'cache') });
    const grantedAt = clock.now();
    const secret = {
      AccessKeyId: 'ASIACACHE00000000001',
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: new Date(grantedAt.getTime() + 5 * 60_000).toISOString(),
      GrantedFor: 'restart ECS service',
      GrantedMinutes: 5,
      GrantedAt: grantedAt.toISOString(),
      RoleName: 'AgentElevated-Ops',
      RequestId: 'req-cache-0001',
      GrantId: `req-cache-0001-${'c'.repeat(24)}`,
    };
    cache.write('111111111111', '222222222222', secret, clock.now());
    real += 500; // 30 sandbox seconds: a hit
    expect(cache.read('111111111111', '222222222222', clock.now())).toMatchObject({ AccessKeyId: 'ASIACACHE00000000001' });
    real += 1000; // 90 sandbox seconds after caching: past the 60-second bound, in sandbox time
    expect(cache.read('111111111111', '222222222222', clock.now())).toBeUndefined();
    cache.write('111111111111', '222222222222', secret, clock.now());
    real += 4000; // 5 real seconds in all: the 5-minute grant has expired in sandbox time
    expect(cache.read('111111111111', '222222222222', clock.now())).toBeUndefined();
  });
});
