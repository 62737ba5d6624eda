import { join } from 'node:path';
import type { AwsCall } from '../http/aws-call';
import type { Authorizer } from '../iam/authorizer';
import { type PolicyDocument, toPolicyDocument } from '../iam/policy-evaluator';
import { type KmsKeyState, KmsModel } from '../models/kms';
import { JsonFile } from '../store/json-file';
import { type SynthesizedStack, arnOf, prop, resolve, resourcesOfType } from '../template/deployed-template';
import { type JsonOperation, type ServiceEmulation, handleJson, optionalString, requiredString } from './service';

/** The asymmetric keys a stack defines, with their key policies. */
export function kmsKeysOf(stack: SynthesizedStack): { arn: string; policy: PolicyDocument }[] {
  return resourcesOfType(stack, 'AWS::KMS::Key')
    .filter(([, r]) => prop(r, 'KeyUsage') === 'SIGN_VERIFY')
    .map(([id, r]) => ({ arn: arnOf(stack, id, r), policy: toPolicyDocument(resolve(prop(r, 'KeyPolicy'), stack)) }));
}

/**
 * KMS's JSON protocol for the broker's signing key (`Sign`, `GetPublicKey`): the keys are the model's
 * (sandbox/models/kms.ts), their private halves kept in `$JIT_HOME/kms.json` (KMS never lets them out; the
 * sandbox is a stand-in). Every call is authorized against the caller's policies and the key policy, so
 * only the audit function's role may sign, as in AWS.
 */
export class KmsEmulation implements ServiceEmulation {
  readonly signingNames = ['kms'];
  private readonly model: KmsModel;
  private readonly policies = new Map<string, PolicyDocument>();

  constructor(keys: readonly { arn: string; policy: PolicyDocument }[], home: string, private readonly authorizer: Authorizer) {
    const file = new JsonFile<Record<string, KmsKeyState>>(join(home, 'kms.json'), () => ({}));
    this.model = new KmsModel(new Map(Object.entries(file.get())));
    for (const key of keys) {
      this.policies.set(key.arn, key.policy);
      this.model.ensureKey(key.arn);
    }
    file.set(Object.fromEntries(this.model.all().map((k) => [k.arn, k])));
  }

  handle(call: AwsCall) {
    const operations: Record<string, JsonOperation> = {
      Sign: (input) => {
        const keyId = requiredString(input, 'KeyId');
        const arn = this.arnOf(keyId);
        this.authorizer.authorize(call, 'kms:Sign', arn, this.options(arn));
        const r = this.model.sign({
          keyId: arn,
          message: Buffer.from(requiredString(input, 'Message'), 'base64'),
          signingAlgorithm: requiredString(input, 'SigningAlgorithm'),
          ...(optionalString(input, 'MessageType') ? { messageType: optionalString(input, 'MessageType') } : {}),
        });
        return { KeyId: r.keyId, Signature: Buffer.from(r.signature).toString('base64'), SigningAlgorithm: r.signingAlgorithm };
      },
      GetPublicKey: (input) => {
        const arn = this.arnOf(requiredString(input, 'KeyId'));
        this.authorizer.authorize(call, 'kms:GetPublicKey', arn, this.options(arn));
        const r = this.model.getPublicKey(arn);
        return { KeyId: r.keyId, PublicKey: Buffer.from(r.publicKey).toString('base64'), KeySpec: r.keySpec, KeyUsage: r.keyUsage, SigningAlgorithms: r.signingAlgorithms };
      },
    };
    return handleJson(call, 'KMS', '1.1', operations);
  }

  private arnOf(keyId: string): string {
    return [...this.policies.keys()].find((arn) => arn === keyId || arn.endsWith(`:key/${keyId}`)) ?? keyId;
  }

  private options(arn: string) {
    const policy = this.policies.get(arn);
    return policy ? { resourcePolicy: policy } : {};
  }
}
