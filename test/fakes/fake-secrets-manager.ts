import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';

interface Version {
  readonly secretString: string;
  readonly stages: Set<string>;
}

const meta = { $metadata: {} };

/**
 * Secrets Manager at the SDK boundary, with the service's version semantics: ClientRequestToken becomes
 * the version id and is idempotent for the same value, a staging label sits on one version at a time,
 * moving AWSCURRENT leaves AWSPREVIOUS behind, and moving a label that is attached elsewhere requires
 * `RemoveFromVersionId` to name that version.
 */
export class FakeSecretsManager {
  readonly mock = mockClient(SecretsManagerClient);
  private readonly secrets = new Map<string, Map<string, Version>>();
  /**
   * When set, PutSecretValue applies the write and then fails with this error, like a call whose
   * response was lost on the way back.
   */
  failAfterWrite: ((input: { SecretString?: string }) => Error | undefined) | undefined;

  constructor() {
    this.mock.on(PutSecretValueCommand).callsFake((input) => {
      const result = this.put(input);
      const error = this.failAfterWrite?.(input);
      if (error) throw error;
      return result;
    });
    this.mock.on(UpdateSecretVersionStageCommand).callsFake((input) => this.updateStage(input));
    this.mock.on(DescribeSecretCommand).callsFake((input: { SecretId: string }) => {
      const versions = this.versions(input.SecretId);
      return {
        Name: input.SecretId,
        VersionIdsToStages: Object.fromEntries([...versions].filter(([, v]) => v.stages.size > 0).map(([id, v]) => [id, [...v.stages]])),
      };
    });
    this.mock.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => {
      const [id, version] = this.current(input.SecretId);
      return { Name: input.SecretId, VersionId: id, SecretString: version.secretString, VersionStages: [...version.stages] };
    });
  }

  /** Creates a secret the way CloudFormation does: one version, AWSCURRENT, random id. */
  create(name: string, secretString: string): void {
    this.secrets.set(name, new Map([[randomUUID(), { secretString, stages: new Set(['AWSCURRENT']) }]]));
  }

  /** The current value as the agent would read it. */
  read(name: string): unknown {
    return JSON.parse(this.current(name)[1].secretString);
  }

  currentVersionId(name: string): string {
    return this.current(name)[0];
  }

  versionCount(name: string): number {
    return this.versions(name).size;
  }

  restore(): void {
    this.mock.restore();
  }

  private versions(name: string): Map<string, Version> {
    const versions = this.secrets.get(name);
    if (!versions) throw new ResourceNotFoundException({ message: `Secrets Manager can't find the specified secret ${name}.`, ...meta });
    return versions;
  }

  private current(name: string): [string, Version] {
    const entry = [...this.versions(name)].find(([, v]) => v.stages.has('AWSCURRENT'));
    if (!entry) throw new Error(`fake: ${name} has no AWSCURRENT`);
    return entry;
  }

  private attach(versions: Map<string, Version>, stage: string, versionId: string): void {
    for (const [id, v] of versions) {
      if (id !== versionId && v.stages.delete(stage) && stage === 'AWSCURRENT') {
        for (const other of versions.values()) other.stages.delete('AWSPREVIOUS');
        v.stages.add('AWSPREVIOUS');
      }
    }
    versions.get(versionId)?.stages.add(stage);
  }

  private put(input: { SecretId: string; SecretString?: string; ClientRequestToken?: string; VersionStages?: string[] }) {
    const versions = this.versions(input.SecretId);
    const versionId = input.ClientRequestToken ?? randomUUID();
    const existing = versions.get(versionId);
    if (existing) {
      if (existing.secretString !== input.SecretString) {
        throw new ResourceExistsException({ message: 'A resource with the ID you requested already exists.', ...meta });
      }
      return { Name: input.SecretId, VersionId: versionId, VersionStages: [...existing.stages] };
    }
    versions.set(versionId, { secretString: input.SecretString ?? '', stages: new Set() });
    for (const stage of input.VersionStages ?? ['AWSCURRENT']) this.attach(versions, stage, versionId);
    return { Name: input.SecretId, VersionId: versionId, VersionStages: [...(versions.get(versionId)?.stages ?? [])] };
  }

  private updateStage(input: { SecretId: string; VersionStage: string; MoveToVersionId?: string; RemoveFromVersionId?: string }) {
    const versions = this.versions(input.SecretId);
    const holder = [...versions].find(([, v]) => v.stages.has(input.VersionStage))?.[0];
    if (input.MoveToVersionId && !versions.has(input.MoveToVersionId)) {
      throw new ResourceNotFoundException({ message: 'Version not found', ...meta });
    }
    if (holder && holder !== input.MoveToVersionId && input.RemoveFromVersionId !== holder) {
      throw new InvalidParameterException({
        message: `The parameter RemoveFromVersionId can't be empty or different from ${holder}: staging label ${input.VersionStage} is currently attached to it.`,
        ...meta,
      });
    }
    if (input.MoveToVersionId) this.attach(versions, input.VersionStage, input.MoveToVersionId);
    else if (holder) versions.get(holder)?.stages.delete(input.VersionStage);
    return { Name: input.SecretId };
  }
}
