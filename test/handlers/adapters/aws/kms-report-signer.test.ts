import { createHash } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { KmsPublicKeySource, KmsReportSigner } from '../../../../handlers/adapters/aws/kms-report-signer';
import { verifyManifestSignature } from '../../../../handlers/core/report-manifest';
import { KmsModel } from '../../../../sandbox/models/kms';

const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('KmsReportSigner', () => {
  const kms = mockClient(KMSClient);
  const model = new KmsModel();
  model.ensureKey(KEY);
  afterEach(() => kms.reset());
  afterAll(() => kms.restore());

  it('signs the SHA-256 of the manifest with MessageType DIGEST and RSASSA_PKCS1_V1_5_SHA_256', async () => {
    // Prepare
    const manifest = `${JSON.stringify({ a: 'x'.repeat(5000) })}\n`; // longer than RAW's 4,096 bytes
    kms.on(SignCommand).callsFake((input: { KeyId: string; Message: Uint8Array; MessageType: string; SigningAlgorithm: string }) => {
      const r = model.sign({ keyId: input.KeyId, message: input.Message, messageType: input.MessageType, signingAlgorithm: input.SigningAlgorithm });
      return { KeyId: r.keyId, Signature: r.signature, SigningAlgorithm: r.signingAlgorithm };
    });

    // Act
    const signature = await new KmsReportSigner(new KMSClient({ region: 'eu-west-1' }), KEY).signManifest(manifest);

    // Assess
    expect(kms.commandCalls(SignCommand)[0]?.args[0].input).toEqual({
      KeyId: KEY,
      Message: new Uint8Array(createHash('sha256').update(manifest, 'utf8').digest()),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
    });
    expect(verifyManifestSignature(manifest, signature, model.getPublicKey(KEY).publicKey)).toBe(true);
    expect(verifyManifestSignature(manifest.replace('x', 'y'), signature, model.getPublicKey(KEY).publicKey)).toBe(false);
  });

  it('reads the public key with GetPublicKey and refuses a key that is not for signing', async () => {
    // Prepare
    kms.on(GetPublicKeyCommand).resolvesOnce({ KeyId: KEY, PublicKey: model.getPublicKey(KEY).publicKey, KeyUsage: 'SIGN_VERIFY' }).resolvesOnce({ KeyId: KEY, PublicKey: new Uint8Array([1]), KeyUsage: 'ENCRYPT_DECRYPT' });
    const source = new KmsPublicKeySource(new KMSClient({ region: 'eu-west-1' }));

    // Act
    const key = await source.publicKeyOf(KEY);
    const refused = source.publicKeyOf(KEY);

    // Assess
    expect(kms.commandCalls(GetPublicKeyCommand)[0]?.args[0].input).toEqual({ KeyId: KEY });
    expect(Buffer.from(key)).toEqual(Buffer.from(model.getPublicKey(KEY).publicKey));
    await expect(refused).rejects.toThrow('not SIGN_VERIFY');
  });
});
