import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import type { PublicKeySource, ReportSigner } from '../../ports/report-signer';

/**
 * The sandbox's manifest signer: a local P-256 key instead of a KMS key, producing the same DER ECDSA
 * SHA-256 signatures, so `jit report` and the auditor's OpenSSL steps verify sandbox reports the same way.
 * Its key id is `local:` plus the SHA-256 of the public key (DER): a manifest names the key that signed it.
 */
export class LocalReportSigner implements ReportSigner, PublicKeySource {
  readonly keyId: string;
  private readonly privateKey: KeyObject;
  private readonly publicDer: Buffer;

  constructor(privateKeyPem?: string) {
    this.privateKey = privateKeyPem ? createPrivateKey(privateKeyPem) : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    this.publicDer = createPublicKey(this.privateKey).export({ format: 'der', type: 'spki' });
    this.keyId = `local:${createHash('sha256').update(this.publicDer).digest('hex').slice(0, 32)}`;
  }

  /** A new P-256 private key in PKCS#8 PEM, for the sandbox to keep. */
  static generatePem(): string {
    return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  }

  async signManifest(manifestBytes: string): Promise<Uint8Array> {
    // ECDSA over SHA-256 of the bytes: the signature KMS makes from their digest with MessageType DIGEST.
    return sign('sha256', Buffer.from(manifestBytes, 'utf8'), { key: this.privateKey, dsaEncoding: 'der' });
  }

  get publicKeyPem(): string {
    return createPublicKey(this.privateKey).export({ format: 'pem', type: 'spki' }).toString();
  }

  async publicKeyOf(keyId: string): Promise<Uint8Array> {
    if (keyId !== this.keyId) throw new Error(`The sandbox signs with ${this.keyId}, not ${keyId}.`);
    return this.publicDer;
  }
}
