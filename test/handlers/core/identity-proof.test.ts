import { signIdentityProof } from '../../../cli/agent/identity-proof-signer';
import { assumedRoleSessionOf, checkIdentityProof } from '../../../handlers/core/identity-proof';

const endpoint = new URL('https://sts.eu-west-1.amazonaws.com');
const now = new Date('2026-11-28T10:00:00Z');
const credentials = { accessKeyId: 'ASIAEXAMPLEKEY000001', secretAccessKey: 'secret', sessionToken: 'token+/=' };

const proof = (overrides: Partial<Parameters<typeof signIdentityProof>[0]> = {}) =>
  signIdentityProof({ credentials, endpoint: endpoint.origin, region: 'eu-west-1', purpose: 'end', requestId: 'req-1234abcd', signingDate: now, ...overrides });

function tamper(url: string, edit: (u: URL) => void): string {
  const u = new URL(url);
  edit(u);
  return u.toString();
}

describe('checkIdentityProof', () => {
  it('accepts a presigned GetCallerIdentity for the broker endpoint, signed over the binding header', async () => {
    const result = checkIdentityProof(await proof(), { endpoint, now });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.query).toContain('Action=GetCallerIdentity');
  });

  it('carries the key id and session token, never the secret key', async () => {
    const url = await proof();
    expect(url).toContain('ASIAEXAMPLEKEY000001');
    expect(new URL(url).searchParams.get('X-Amz-Security-Token')).toBe('token+/=');
    expect(url).not.toContain('secret');
  });

  it.each([
    ['another host', (u: URL) => (u.host = 'evil.example.com'), 'must be signed for sts.eu-west-1.amazonaws.com'],
    ['plain http', (u: URL) => (u.protocol = 'http:'), 'must be signed for'],
    ['another path', (u: URL) => (u.pathname = '/other'), 'STS root path'],
    ['another action', (u: URL) => u.searchParams.set('Action', 'AssumeRole'), 'sts:GetCallerIdentity'],
    ['an extra parameter', (u: URL) => u.searchParams.set('RoleArn', 'x'), 'unexpected parameter RoleArn'],
    ['no binding header', (u: URL) => u.searchParams.set('X-Amz-SignedHeaders', 'host'), 'must sign the host and x-jit-proof'],
    ['a long life', (u: URL) => u.searchParams.set('X-Amz-Expires', '3600'), 'must expire within 300'],
    ['another service', (u: URL) => u.searchParams.set('X-Amz-Credential', 'ASIAEXAMPLEKEY000001/20261128/eu-west-1/iam/aws4_request'), 'credential scope'],
  ])('refuses a proof with %s', async (_what, edit, problem) => {
    const result = checkIdentityProof(tamper(await proof(), edit), { endpoint, now });
    expect(result).toEqual({ ok: false, problems: expect.arrayContaining([expect.stringContaining(problem)]) });
  });

  it('refuses a proof that expired, or that was signed in the future', async () => {
    const old = await proof({ signingDate: new Date(now.getTime() - 11 * 60_000) });
    expect(checkIdentityProof(old, { endpoint, now })).toEqual({ ok: false, problems: ['proof: expired'] });
    const future = await proof({ signingDate: new Date(now.getTime() + 6 * 60_000) });
    expect(checkIdentityProof(future, { endpoint, now })).toEqual({ ok: false, problems: ['proof: signed in the future'] });
  });

  it('refuses what is not a proof at all', () => {
    expect(checkIdentityProof(undefined, { endpoint, now }).ok).toBe(false);
    expect(checkIdentityProof('not a url', { endpoint, now }).ok).toBe(false);
    expect(checkIdentityProof(`https://sts.eu-west-1.amazonaws.com/?${'a'.repeat(5000)}`, { endpoint, now }).ok).toBe(false);
  });
});

describe('assumedRoleSessionOf', () => {
  it('takes an assumed-role session ARN apart', () => {
    expect(assumedRoleSessionOf('arn:aws:sts::222222222222:assumed-role/AgentElevated-Ops/jit-req-1234abcd')).toEqual({
      partition: 'aws',
      accountId: '222222222222',
      roleName: 'AgentElevated-Ops',
      sessionName: 'jit-req-1234abcd',
    });
  });

  it('returns nothing for users, roles and malformed ARNs', () => {
    expect(assumedRoleSessionOf('arn:aws:iam::111111111111:user/jit-agent')).toBeUndefined();
    expect(assumedRoleSessionOf('arn:aws:sts::111111111111:assumed-role/a/b/c')).toBeUndefined();
    expect(assumedRoleSessionOf('arn:aws:sts::1111:assumed-role/a/b')).toBeUndefined();
  });
});
