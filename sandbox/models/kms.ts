import { createHash, createPublicKey, generateKeyPairSync, privateEncrypt, constants, createPrivateKey } from 'node:crypto';
import { AwsError } from './aws-error';

/**
 * The part of AWS KMS the broker uses, protocol-free: asymmetric `RSA_2048` `SIGN_VERIFY` keys, `Sign` with
 * `RSASSA_PKCS1_V1_5_SHA_256` (`MessageType` `RAW` up to 4,096 bytes, or `DIGEST`: a 32-byte SHA-256,
 * signed without hashing again) and `GetPublicKey` (DER SubjectPublicKeyInfo). The sandbox's KMS shell and
 * the tests' SDK fake both use it, so they sign as KMS does.
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html
 */
export const KMS_RAW_MESSAGE_LIMIT = 4096;
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

export interface KmsKeyState {
  readonly arn: string;
  /** PKCS#8 PEM of the private half: kept by the sandbox only; KMS never lets a private key out. */
  readonly privateKeyPem: string;
}

export class KmsModel {
  constructor(private readonly keys: Map<string, KmsKeyState> = new Map()) {}

  /** Creates (or keeps) the key of that ARN. */
  ensureKey(arn: string, privateKeyPem?: string): KmsKeyState {
    const existing = this.keys.get(arn);
    if (existing) return existing;
    const pem = privateKeyPem ?? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const state = { arn, privateKeyPem: pem };
    this.keys.set(arn, state);
    return state;
  }

  all(): KmsKeyState[] {
    return [...this.keys.values()];
  }

  private key(keyId: string): KmsKeyState {
    const key = this.keys.get(keyId) ?? [...this.keys.values()].find((k) => k.arn.endsWith(`:key/${keyId}`));
    if (!key) throw new AwsError('NotFoundException', `Key '${keyId}' does not exist`, 400);
    return key;
  }

  sign(input: { keyId: string; message: Uint8Array; messageType?: string; signingAlgorithm: string }): { keyId: string; signature: Uint8Array; signingAlgorithm: string } {
    const key = this.key(input.keyId);
    if (input.signingAlgorithm !== 'RSASSA_PKCS1_V1_5_SHA_256') {
      throw new AwsError('InvalidKeyUsageException', `The sandbox's keys sign with RSASSA_PKCS1_V1_5_SHA_256, not ${input.signingAlgorithm}.`, 400);
    }
    const type = input.messageType ?? 'RAW';
    let digest: Buffer;
    if (type === 'RAW') {
      if (input.message.length > KMS_RAW_MESSAGE_LIMIT) throw new AwsError('ValidationException', `Message of ${input.message.length} bytes exceeds 4096 bytes for MessageType RAW.`, 400);
      digest = createHash('sha256').update(input.message).digest();
    } else if (type === 'DIGEST') {
      if (input.message.length !== 32) throw new AwsError('ValidationException', 'Digest is invalid length for algorithm RSASSA_PKCS1_V1_5_SHA_256.', 400);
      digest = Buffer.from(input.message);
    } else throw new AwsError('ValidationException', `MessageType ${type} is not valid for this key.`, 400);
    // RSASSA-PKCS1-v1_5: the DigestInfo of the SHA-256 digest, PKCS#1 type 1 padded, raised to the private exponent.
    const signature = privateEncrypt({ key: createPrivateKey(key.privateKeyPem), padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, digest]));
    return { keyId: key.arn, signature, signingAlgorithm: input.signingAlgorithm };
  }

  getPublicKey(keyId: string): { keyId: string; publicKey: Uint8Array; keySpec: string; keyUsage: string; signingAlgorithms: string[] } {
    const key = this.key(keyId);
    const publicKey = createPublicKey(key.privateKeyPem).export({ format: 'der', type: 'spki' });
    return { keyId: key.arn, publicKey, keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY', signingAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PSS_SHA_256'] };
  }
}
