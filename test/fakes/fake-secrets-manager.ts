import * as SecretsManager from '@aws-sdk/client-secrets-manager';
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerModel, inMemorySecretsStore } from '../../sandbox/models/secrets-manager';
import { asSdkCall } from './sdk-error';

const meta = { $metadata: {} };

/**
 * Secrets Manager at the SDK boundary (aws-sdk-client-mock), over the Secrets Manager model
 * (sandbox/models/secrets-manager.ts) that the sandbox serves too: versions, staging labels and the
 * `RemoveFromVersionId` compare-and-swap are the model's; this shell adds a lost response on demand.
 */
export class FakeSecretsManager {
  readonly mock = mockClient(SecretsManagerClient);
  private readonly model = new SecretsManagerModel(inMemorySecretsStore(), () => new Date());
  /**
   * When set, PutSecretValue applies the write and then fails with this error, like a call whose
   * response was lost on the way back.
   */
  failAfterWrite: ((input: { SecretString?: string }) => Error | undefined) | undefined;

  constructor() {
    const sdk = <T>(operation: () => T) => asSdkCall(operation, SecretsManager);
    this.mock.on(PutSecretValueCommand).callsFake((input) => {
      const written = sdk(() =>
        this.model.putSecretValue(input.SecretId, {
          ...(input.SecretString === undefined ? {} : { value: input.SecretString }),
          ...(input.ClientRequestToken ? { clientRequestToken: input.ClientRequestToken } : {}),
          ...(input.VersionStages ? { versionStages: input.VersionStages } : {}),
        }),
      );
      const error = this.failAfterWrite?.(input);
      if (error) throw error;
      return { ARN: written.arn, Name: written.name, VersionId: written.versionId, VersionStages: [...written.stages], ...meta };
    });
    this.mock.on(UpdateSecretVersionStageCommand).callsFake((input) => {
      const updated = sdk(() =>
        this.model.updateSecretVersionStage(input.SecretId, {
          stage: input.VersionStage,
          ...(input.MoveToVersionId ? { moveToVersionId: input.MoveToVersionId } : {}),
          ...(input.RemoveFromVersionId ? { removeFromVersionId: input.RemoveFromVersionId } : {}),
        }),
      );
      return { ARN: updated.arn, Name: updated.name, ...meta };
    });
    this.mock.on(DescribeSecretCommand).callsFake((input) => {
      const secret = sdk(() => this.model.find(input.SecretId));
      return { ARN: secret.arn, Name: secret.name, VersionIdsToStages: this.model.versionIdsToStages(secret.name), ...meta };
    });
    this.mock.on(GetSecretValueCommand).callsFake((input) => {
      const found = sdk(() =>
        this.model.getSecretValue(input.SecretId, {
          ...(input.VersionId ? { versionId: input.VersionId } : {}),
          ...(input.VersionStage ? { versionStage: input.VersionStage } : {}),
        }),
      );
      return { ARN: found.arn, Name: found.name, VersionId: found.versionId, SecretString: found.value, VersionStages: [...found.stages], CreatedDate: new Date(found.createdAt), ...meta };
    });
  }

  /** Creates a secret the way CloudFormation does: one version, AWSCURRENT, random id. */
  create(name: string, secretString: string): void {
    this.model.create({ name, account: '111111111111', region: 'eu-west-1', initialValue: secretString });
  }

  /** The current value as the agent would read it. */
  read(name: string): unknown {
    return JSON.parse(this.currentValue(name).value);
  }

  currentVersionId(name: string): string {
    return this.currentValue(name).versionId;
  }

  versionCount(name: string): number {
    return this.model.listSecretVersionIds(name, true).length;
  }

  restore(): void {
    this.mock.restore();
  }

  private currentValue(name: string) {
    const current = this.model.current(name);
    if (!current) throw new Error(`fake: ${name} has no AWSCURRENT`);
    return current;
  }
}
