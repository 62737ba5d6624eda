import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { MANIFEST_SIGNING_ALGORITHM, manifestDigest } from '../../core/report-manifest';
import type { PublicKeySource, ReportSigner } from '../../ports/report-signer';

/**
 * Signs manifests with an asymmetric KMS key (`RSA_2048`, `SIGN_VERIFY`). The message is the manifest's
 * SHA-256 with `MessageType: DIGEST` (RAW messages are limited to 4,096 bytes); KMS returns the raw RSA
 * signature, which OpenSSL verifies against the manifest file with the key's public half.
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html
 */
export class KmsReportSigner implements ReportSigner {
  constructor(
    private readonly client: KMSClient,
    readonly keyId: string,
  ) {}

  async signManifest(manifestBytes: string): Promise<Uint8Array> {
    const digest = manifestDigest(manifestBytes);
    const r = await this.client.send(new SignCommand({ KeyId: this.keyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: MANIFEST_SIGNING_ALGORITHM }));
    if (!r.Signature) throw new Error(`KMS Sign with ${this.keyId} returned no signature.`);
    return r.Signature;
  }
}

/**
 * The public key of a KMS signing key: DER SubjectPublicKeyInfo, as `GetPublicKey` returns it.
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html
 */
export class KmsPublicKeySource implements PublicKeySource {
  constructor(private readonly client: KMSClient) {}

  async publicKeyOf(keyId: string): Promise<Uint8Array> {
    const r = await this.client.send(new GetPublicKeyCommand({ KeyId: keyId }));
    if (!r.PublicKey) throw new Error(`KMS GetPublicKey of ${keyId} returned no key.`);
    if (r.KeyUsage && r.KeyUsage !== 'SIGN_VERIFY') throw new Error(`KMS key ${keyId} is for ${r.KeyUsage}, not SIGN_VERIFY.`);
    return r.PublicKey;
  }
}
