import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from './aws-error';

export interface SecretVersion {
  readonly value: string;
  readonly stages: string[];
  readonly createdAt: string;
}

export interface SecretState {
  readonly name: string;
  readonly arn: string;
  readonly description?: string;
  readonly createdAt: string;
  lastChangedAt: string;
  /** By version id, oldest first. */
  readonly versions: Record<string, SecretVersion>;
}

/**
 * Where the secrets are kept: the sandbox keeps them in a JSON file (sandbox/store/json-file.ts fits this
 * shape), the unit-test fakes in memory. `update` changes the value in place and writes it through;
 * `names` are the secrets the change touched, so that a journaled store writes only those.
 */
export interface SecretsStore {
  get(): Record<string, SecretState>;
  update<R>(change: (all: Record<string, SecretState>) => R, names?: readonly string[]): R;
}

export function inMemorySecretsStore(): SecretsStore {
  const all: Record<string, SecretState> = {};
  return { get: () => all, update: (change) => change(all) };
}

export interface SecretValue {
  readonly arn: string;
  readonly name: string;
  readonly versionId: string;
  readonly value: string;
  readonly stages: readonly string[];
  readonly createdAt: string;
}

export interface WrittenVersion {
  readonly arn: string;
  readonly name: string;
  readonly versionId: string;
  readonly stages: readonly string[];
}

/**
 * A version id given as ClientRequestToken is 32 to 64 characters.
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html
 */
const TOKEN = /^[A-Za-z0-9-]{32,64}$/;

/**
 * Secrets Manager keeps at most 100 versions without a staging label and removes the oldest beyond that.
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html
 */
const MAX_UNLABELED_VERSIONS = 100;

const SUFFIX_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Secrets Manager's secrets and their versions, with the service's version semantics: ClientRequestToken
 * becomes the version id and is idempotent for the same value, a staging label sits on one version at a
 * time, moving AWSCURRENT leaves AWSPREVIOUS on the version it left, and moving a label attached elsewhere
 * requires `RemoveFromVersionId` to name that version (the broker's reset relies on it as a
 * compare-and-swap). Authorization (identity and resource policies) is the caller's: the sandbox asks its
 * authorizer between `find` and the operation.
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/whats-in-a-secret.html
 */
export class SecretsManagerModel {
  constructor(
    private readonly store: SecretsStore,
    private readonly now: () => Date,
  ) {}

  /**
   * Creates a secret as CloudFormation does, unless it exists: one version, AWSCURRENT, a random id, and
   * an ARN that ends in a hyphen and six random characters.
   * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html
   */
  create(secret: { name: string; account: string; region: string; initialValue: string; description?: string }): SecretState {
    const existing = this.store.get()[secret.name];
    if (existing) return existing;
    const suffix = [...randomBytes(6)].map((b) => SUFFIX_CHARS[b % SUFFIX_CHARS.length]).join('');
    const now = this.now().toISOString();
    return this.store.update((all) => {
      all[secret.name] = {
        name: secret.name,
        arn: `arn:aws:secretsmanager:${secret.region}:${secret.account}:secret:${secret.name}-${suffix}`,
        ...(secret.description ? { description: secret.description } : {}),
        createdAt: now,
        lastChangedAt: now,
        versions: { [randomUUID()]: { value: secret.initialValue, stages: ['AWSCURRENT'], createdAt: now } },
      };
      return all[secret.name];
    }, [secret.name]);
  }

  /**
   * The secret a SecretId names: its name, its full ARN, or its ARN without the six random characters.
   * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
   */
  find(secretId: string): SecretState {
    const all = this.store.get();
    const secret =
      all[secretId] ?? Object.values(all).find((s) => s.arn === secretId || (secretId.startsWith('arn:') && s.arn.slice(0, -7) === secretId));
    if (!secret) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.", 400);
    return secret;
  }

  /** The version that holds AWSCURRENT, or undefined for an unknown secret. */
  current(secretId: string): SecretValue | undefined {
    try {
      return this.getSecretValue(secretId, {});
    } catch {
      return undefined;
    }
  }

  /**
   * The version named by VersionId and/or VersionStage; AWSCURRENT when neither is given.
   * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
   */
  getSecretValue(secretId: string, query: { versionId?: string; versionStage?: string }): SecretValue {
    const secret = this.find(secretId);
    const stage = query.versionStage ?? (query.versionId ? undefined : 'AWSCURRENT');
    const entry = Object.entries(secret.versions).find(([id, v]) => (!query.versionId || id === query.versionId) && (!stage || v.stages.includes(stage)));
    if (!entry) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label or version.", 400);
    const [versionId, version] = entry;
    return { arn: secret.arn, name: secret.name, versionId, value: version.value, stages: [...version.stages], createdAt: version.createdAt };
  }

  /**
   * Adds a version, AWSCURRENT unless VersionStages says otherwise. The same ClientRequestToken with the
   * same value is ignored; with another value it is ResourceExistsException.
   * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html
   */
  putSecretValue(secretId: string, input: { value?: string; clientRequestToken?: string; versionStages?: readonly string[] }): WrittenVersion {
    const secret = this.find(secretId);
    if (input.value === undefined) throw new AwsError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.', 400);
    const versionId = input.clientRequestToken ?? randomUUID();
    if (!TOKEN.test(versionId)) {
      throw new AwsError('ValidationException', "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 64", 400);
    }
    const existing = secret.versions[versionId];
    if (existing) {
      if (existing.value !== input.value) throw new AwsError('ResourceExistsException', 'A resource with the ID you requested already exists.', 400);
      return { arn: secret.arn, name: secret.name, versionId, stages: [...existing.stages] };
    }
    const value = input.value;
    const unlabeled = Object.entries(secret.versions).filter(([, v]) => v.stages.length === 0);
    return this.store.update(() => {
      if (unlabeled.length >= MAX_UNLABELED_VERSIONS) delete secret.versions[unlabeled[0][0]];
      secret.versions[versionId] = { value, stages: [], createdAt: this.now().toISOString() };
      for (const stage of input.versionStages ?? ['AWSCURRENT']) attach(secret.versions, stage, versionId);
      secret.lastChangedAt = this.now().toISOString();
      return { arn: secret.arn, name: secret.name, versionId, stages: [...secret.versions[versionId].stages] };
    }, [secret.name]);
  }

  /**
   * Moves a staging label to MoveToVersionId, or removes it. A label attached to another version moves
   * only if RemoveFromVersionId names that version: else InvalidParameterException, and nothing changes.
   * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html
   */
  updateSecretVersionStage(secretId: string, input: { stage: string; moveToVersionId?: string; removeFromVersionId?: string }): { arn: string; name: string } {
    const secret = this.find(secretId);
    const { stage, moveToVersionId: moveTo, removeFromVersionId: removeFrom } = input;
    const holder = Object.entries(secret.versions).find(([, v]) => v.stages.includes(stage))?.[0];
    if (moveTo && !secret.versions[moveTo]) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret version.", 400);
    if (holder && holder !== moveTo && removeFrom !== holder) {
      throw new AwsError(
        'InvalidParameterException',
        `The parameter RemoveFromVersionId can't be empty or different from ${holder}. Staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
        400,
      );
    }
    this.store.update(() => {
      if (moveTo) attach(secret.versions, stage, moveTo);
      else if (holder) secret.versions[holder].stages.splice(secret.versions[holder].stages.indexOf(stage), 1);
      secret.lastChangedAt = this.now().toISOString();
    }, [secret.name]);
    return { arn: secret.arn, name: secret.name };
  }

  /**
   * The versions that carry a staging label, with their labels.
   * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html
   */
  versionIdsToStages(secretId: string): Record<string, string[]> {
    const secret = this.find(secretId);
    return Object.fromEntries(Object.entries(secret.versions).filter(([, v]) => v.stages.length > 0).map(([id, v]) => [id, [...v.stages]]));
  }

  /**
   * The versions of a secret; those without a label (deprecated) only when asked for.
   * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_ListSecretVersionIds.html
   */
  listSecretVersionIds(secretId: string, includeDeprecated: boolean): Array<{ versionId: string; stages: string[]; createdAt: string }> {
    return Object.entries(this.find(secretId).versions)
      .filter(([, v]) => includeDeprecated || v.stages.length > 0)
      .map(([versionId, v]) => ({ versionId, stages: [...v.stages], createdAt: v.createdAt }));
  }
}

/**
 * Attaches `stage` to `versionId`, taking it from the version that held it; AWSCURRENT leaving a version
 * puts AWSPREVIOUS there (and takes it from wherever it was).
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html
 */
function attach(versions: Record<string, SecretVersion>, stage: string, versionId: string): void {
  for (const [id, v] of Object.entries(versions)) {
    if (id === versionId || !v.stages.includes(stage)) continue;
    v.stages.splice(v.stages.indexOf(stage), 1);
    if (stage === 'AWSCURRENT') {
      for (const other of Object.values(versions)) {
        const at = other.stages.indexOf('AWSPREVIOUS');
        if (at >= 0) other.stages.splice(at, 1);
      }
      v.stages.push('AWSPREVIOUS');
    }
  }
  const target = versions[versionId];
  if (target && !target.stages.includes(stage)) target.stages.push(stage);
}
