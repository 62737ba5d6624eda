import { signIdentityProof } from '../../../../cli/agent/identity-proof-signer';
import { StsIdentityVerifier } from '../../../../handlers/adapters/aws/sts-identity-verifier';
import { LocalAwsEndpoint } from '../../../helpers/local-aws-endpoint';

const session = 'arn:aws:sts::222222222222:assumed-role/AgentElevated-Ops/jit-req-1234abcd';
const credentials = { accessKeyId: 'ASIAGRANTKEY00000001', secretAccessKey: 'grant-secret', sessionToken: 'grant-token' };

describe('StsIdentityVerifier against a local STS that checks SigV4', () => {
  const sts = new LocalAwsEndpoint();
  let verifier: StsIdentityVerifier;
  const sign = (over: Partial<Parameters<typeof signIdentityProof>[0]> = {}) =>
    signIdentityProof({ credentials, endpoint: sts.url, region: 'eu-west-1', purpose: 'end', requestId: 'req-1234abcd', ...over });

  beforeAll(async () => {
    await sts.start();
    sts.keys.set(credentials.accessKeyId, { secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken, arn: session });
    verifier = new StsIdentityVerifier({ endpoint: sts.url, clock: { now: () => new Date() } });
  });
  afterAll(() => sts.stop());

  it('answers the ARN of whoever signed the proof', async () => {
    await expect(verifier.verify(await sign(), 'end:req-1234abcd')).resolves.toEqual({ ok: true, arn: session });
    const last = sts.received.at(-1);
    expect(last).toMatchObject({ method: 'GET', operation: 'GetCallerIdentity', authentic: true });
    expect(last?.headers['x-jit-proof']).toBe('end:req-1234abcd');
  });

  it('refuses a proof bound to another request or purpose: the signature covers the binding', async () => {
    await expect(verifier.verify(await sign({ requestId: 'req-other000' }), 'end:req-1234abcd')).resolves.toEqual({ ok: false, reason: 'STS refused it (SignatureDoesNotMatch)' });
    await expect(verifier.verify(await sign({ purpose: 'revoke' }), 'end:req-1234abcd')).resolves.toMatchObject({ ok: false });
  });

  it('refuses a proof signed with a wrong secret key', async () => {
    const forged = await sign({ credentials: { ...credentials, secretAccessKey: 'guessed' } });
    await expect(verifier.verify(forged, 'end:req-1234abcd')).resolves.toEqual({ ok: false, reason: 'STS refused it (SignatureDoesNotMatch)' });
  });

  it('never contacts a host the proof names', async () => {
    const before = sts.received.length;
    const elsewhere = (await sign()).replace(sts.url, 'http://127.0.0.2:9');
    await expect(verifier.verify(elsewhere, 'end:req-1234abcd')).resolves.toMatchObject({ ok: false, reason: expect.stringContaining('must be signed for') });
    expect(sts.received.length).toBe(before);
  });
});
