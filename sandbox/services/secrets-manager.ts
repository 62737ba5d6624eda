import { join } from 'node:path';
import type { SandboxClock } from '../clock';
import type { AwsCall } from '../http/aws-call';
import { AwsError } from '../http/aws-error';
import type { Authorizer } from '../iam/authorizer';
import { type PolicyDocument, toPolicyDocument } from '../iam/policy-evaluator';
import { JournaledJsonFile } from '../store/json-file';
import { type SecretState, SecretsManagerModel } from '../models/secrets-manager';
import { type SynthesizedStack, prop, resolve, resourcesOfType } from '../template/deployed-template';
import { type JsonOperation, type ServiceEmulation, epochSeconds, handleJson, optionalString, requiredString } from './service';

export interface SecretDefinition {
  readonly name: string;
  readonly initialValue: string;
  readonly description?: string;
  readonly resourcePolicy?: PolicyDocument;
}

/** The secrets a synthesized stack defines, with their initial values and resource policies. */
export function secretsOf(stack: SynthesizedStack): SecretDefinition[] {
  const policies = resourcesOfType(stack, 'AWS::SecretsManager::ResourcePolicy');
  return resourcesOfType(stack, 'AWS::SecretsManager::Secret').map(([id, resource]) => {
    const policy = policies.find(([, p]) => (prop(p, 'SecretId') as { Ref?: string } | undefined)?.Ref === id)?.[1];
    const description = prop(resource, 'Description');
    return {
      name: String(prop(resource, 'Name')),
      initialValue: String(prop(resource, 'SecretString') ?? ''),
      ...(typeof description === 'string' ? { description } : {}),
      ...(policy ? { resourcePolicy: toPolicyDocument(resolve(prop(policy, 'ResourcePolicy'), stack)) } : {}),
    };
  });
}

/**
 * Secrets Manager's JSON protocol for the secrets the broker stack defines; the secrets, their versions
 * and staging labels are the model's (sandbox/models/secrets-manager.ts). This shell adds what is the
 * sandbox's: the hub region the secrets live in, and the authorizer, which checks every read and write
 * against the caller's policies and the secret's resource policy. Kept in `$JIT_HOME/secretsmanager.json`.
 */
export class SecretsManagerEmulation implements ServiceEmulation {
  readonly signingNames = ['secretsmanager'];
  private readonly model: SecretsManagerModel;
  private readonly policies = new Map<string, PolicyDocument>();
  private readonly region: string;

  constructor(
    definitions: readonly SecretDefinition[],
    home: string,
    hub: { account: string; region: string },
    private readonly authorizer: Authorizer,
    clock: SandboxClock,
  ) {
    this.region = hub.region;
    this.model = new SecretsManagerModel(new JournaledJsonFile<SecretState>(join(home, 'secretsmanager.json')), () => clock.now());
    for (const definition of definitions) {
      if (definition.resourcePolicy) this.policies.set(definition.name, definition.resourcePolicy);
      this.model.create({ name: definition.name, account: hub.account, region: hub.region, initialValue: definition.initialValue, ...(definition.description ? { description: definition.description } : {}) });
    }
  }

  /** The current value of a secret (for the sandbox's own reconciliation and status page). */
  currentValue(name: string): { versionId: string; value: string } | undefined {
    const current = this.model.current(name);
    return current ? { versionId: current.versionId, value: current.value } : undefined;
  }

  handle(call: AwsCall) {
    const operations: Record<string, JsonOperation> = {
      GetSecretValue: (input) => this.getSecretValue(input, call),
      PutSecretValue: (input) => this.putSecretValue(input, call),
      UpdateSecretVersionStage: (input) => this.updateSecretVersionStage(input, call),
      DescribeSecret: (input) => this.describeSecret(input, call),
      ListSecretVersionIds: (input) => this.listSecretVersionIds(input, call),
    };
    return handleJson(call, 'Secrets Manager', '1.1', operations);
  }

  /**
   * The secret `SecretId` names, once the caller may `action` on it. A secret lives in one region (the
   * hub's here): a call to another region's endpoint does not see it; only a replica, with its own ARN in
   * that region, would be found there.
   * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets.html
   */
  private authorized(input: Record<string, unknown>, call: AwsCall, action: string): SecretState {
    const secretId = requiredString(input, 'SecretId');
    if (call.region !== this.region) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.", 400);
    const secret = this.model.find(secretId);
    const resourcePolicy = this.policies.get(secret.name);
    this.authorizer.authorize(call, action, secret.arn, resourcePolicy ? { resourcePolicy } : {});
    call.note.resources.push({ type: 'AWS::SecretsManager::Secret', name: secret.arn });
    return secret;
  }

  private getSecretValue(input: Record<string, unknown>, call: AwsCall) {
    const secret = this.authorized(input, call, 'secretsmanager:GetSecretValue');
    const versionId = optionalString(input, 'VersionId');
    const versionStage = optionalString(input, 'VersionStage');
    const stage = versionStage ?? (versionId ? undefined : 'AWSCURRENT');
    call.note.requestParameters = { secretId: secret.arn, ...(versionId ? { versionId } : {}), ...(stage ? { versionStage: stage } : {}) };
    const found = this.model.getSecretValue(secret.name, { ...(versionId ? { versionId } : {}), ...(versionStage ? { versionStage } : {}) });
    return { ARN: found.arn, Name: found.name, VersionId: found.versionId, SecretString: found.value, VersionStages: found.stages, CreatedDate: epochSeconds(found.createdAt) };
  }

  private putSecretValue(input: Record<string, unknown>, call: AwsCall) {
    const secret = this.authorized(input, call, 'secretsmanager:PutSecretValue');
    const value = optionalString(input, 'SecretString');
    const token = optionalString(input, 'ClientRequestToken');
    const stages = input.VersionStages as string[] | undefined;
    call.note.requestParameters = { secretId: secret.arn, clientRequestToken: token, versionStages: stages ?? ['AWSCURRENT'] };
    const written = this.model.putSecretValue(secret.name, { ...(value === undefined ? {} : { value }), ...(token ? { clientRequestToken: token } : {}), ...(stages ? { versionStages: stages } : {}) });
    call.note.requestParameters = { ...call.note.requestParameters, clientRequestToken: written.versionId };
    return { ARN: written.arn, Name: written.name, VersionId: written.versionId, VersionStages: written.stages };
  }

  private updateSecretVersionStage(input: Record<string, unknown>, call: AwsCall) {
    const secret = this.authorized(input, call, 'secretsmanager:UpdateSecretVersionStage');
    const stage = requiredString(input, 'VersionStage');
    const moveTo = optionalString(input, 'MoveToVersionId');
    const removeFrom = optionalString(input, 'RemoveFromVersionId');
    call.note.requestParameters = { secretId: secret.arn, versionStage: stage, moveToVersionId: moveTo, removeFromVersionId: removeFrom };
    const updated = this.model.updateSecretVersionStage(secret.name, { stage, ...(moveTo ? { moveToVersionId: moveTo } : {}), ...(removeFrom ? { removeFromVersionId: removeFrom } : {}) });
    return { ARN: updated.arn, Name: updated.name };
  }

  private describeSecret(input: Record<string, unknown>, call: AwsCall) {
    const secret = this.authorized(input, call, 'secretsmanager:DescribeSecret');
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description ? { Description: secret.description } : {}),
      CreatedDate: epochSeconds(secret.createdAt),
      LastChangedDate: epochSeconds(secret.lastChangedAt),
      VersionIdsToStages: this.model.versionIdsToStages(secret.name),
    };
  }

  private listSecretVersionIds(input: Record<string, unknown>, call: AwsCall) {
    const secret = this.authorized(input, call, 'secretsmanager:ListSecretVersionIds');
    return {
      ARN: secret.arn,
      Name: secret.name,
      Versions: this.model
        .listSecretVersionIds(secret.name, input.IncludeDeprecated === true)
        .map((v) => ({ VersionId: v.versionId, VersionStages: v.stages, CreatedDate: epochSeconds(v.createdAt) })),
    };
  }
}
