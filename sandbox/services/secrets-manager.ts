import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { SandboxClock } from '../clock';
import type { AwsCall } from '../http/aws-call';
import { AwsError } from '../http/aws-error';
import type { Authorizer } from '../iam/authorizer';
import { type PolicyDocument, toPolicyDocument } from '../iam/policy-evaluator';
import { JsonFile } from '../store/json-file';
import { type SynthesizedStack, prop, resolve, resourcesOfType } from '../template/deployed-template';
import { type JsonOperation, type ServiceEmulation, epochSeconds, handleJson, optionalString, requiredString } from './service';

interface StoredVersion {
  readonly value: string;
  readonly stages: string[];
  readonly createdAt: string;
}

interface StoredSecret {
  readonly name: string;
  readonly arn: string;
  readonly description?: string;
  readonly createdAt: string;
  lastChangedAt: string;
  /** By version id, oldest first. */
  readonly versions: Record<string, StoredVersion>;
}

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

/** Version ids: Secrets Manager takes ClientRequestToken as the id, 32 to 64 characters. */
const TOKEN = /^[A-Za-z0-9-]{32,64}$/;
/** Versions without a staging label beyond this many are removed, oldest first (BRIEF §4). */
const MAX_VERSIONS = 100;

const SUFFIX_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Secrets Manager for the secrets the broker stack defines, with the service's version semantics
 * (test/fakes/fake-secrets-manager.ts mirrors them at the SDK boundary): ClientRequestToken becomes the
 * version id and is idempotent for the same value, a staging label sits on one version at a time,
 * moving AWSCURRENT leaves AWSPREVIOUS behind, and moving a label attached elsewhere requires
 * `RemoveFromVersionId` to name that version — the reset's compare-and-swap. ARNs end in six random
 * characters. Reads and writes are checked against the caller's policies and the secret's resource
 * policy. Kept in `$JIT_HOME/secretsmanager.json`.
 */
export class SecretsManagerEmulation implements ServiceEmulation {
  readonly signingNames = ['secretsmanager'];
  private readonly store: JsonFile<Record<string, StoredSecret>>;
  private readonly policies = new Map<string, PolicyDocument>();
  private readonly region: string;

  constructor(
    definitions: readonly SecretDefinition[],
    home: string,
    hub: { account: string; region: string },
    private readonly authorizer: Authorizer,
    private readonly clock: SandboxClock,
  ) {
    this.region = hub.region;
    this.store = new JsonFile(join(home, 'secretsmanager.json'), () => ({}));
    for (const definition of definitions) {
      if (definition.resourcePolicy) this.policies.set(definition.name, definition.resourcePolicy);
      if (this.store.get()[definition.name]) continue;
      const suffix = [...randomBytes(6)].map((b) => SUFFIX_CHARS[b % SUFFIX_CHARS.length]).join('');
      const now = this.clock.now().toISOString();
      this.store.update((all) => {
        all[definition.name] = {
          name: definition.name,
          arn: `arn:aws:secretsmanager:${hub.region}:${hub.account}:secret:${definition.name}-${suffix}`,
          ...(definition.description ? { description: definition.description } : {}),
          createdAt: now,
          lastChangedAt: now,
          versions: { [randomUUID()]: { value: definition.initialValue, stages: ['AWSCURRENT'], createdAt: now } },
        };
      });
    }
  }

  /** The current value of a secret (for the sandbox's own reconciliation and status page). */
  currentValue(name: string): { versionId: string; value: string } | undefined {
    const secret = this.store.get()[name];
    const entry = secret && Object.entries(secret.versions).find(([, v]) => v.stages.includes('AWSCURRENT'));
    return entry ? { versionId: entry[0], value: entry[1].value } : undefined;
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
   * A secret lives in one region (the hub's here): a call to another region's endpoint does not see it;
   * only a replica, with its own ARN in that region, would be found there.
   * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets.html
   */
  private find(secretId: string, call: AwsCall): StoredSecret {
    const all = call.region === this.region ? this.store.get() : {};
    const secret =
      all[secretId] ??
      Object.values(all).find((s) => s.arn === secretId || (secretId.startsWith('arn:') && s.arn.slice(0, -7) === secretId));
    if (!secret) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.", 400);
    return secret;
  }

  private authorize(call: AwsCall, action: string, secret: StoredSecret): void {
    const resourcePolicy = this.policies.get(secret.name);
    this.authorizer.authorize(call, action, secret.arn, resourcePolicy ? { resourcePolicy } : {});
    call.note.resources.push({ type: 'AWS::SecretsManager::Secret', name: secret.arn });
  }

  private getSecretValue(input: Record<string, unknown>, call: AwsCall) {
    const secret = this.find(requiredString(input, 'SecretId'), call);
    this.authorize(call, 'secretsmanager:GetSecretValue', secret);
    const versionId = optionalString(input, 'VersionId');
    const stage = optionalString(input, 'VersionStage') ?? (versionId ? undefined : 'AWSCURRENT');
    const entry = Object.entries(secret.versions).find(([id, v]) => (!versionId || id === versionId) && (!stage || v.stages.includes(stage)));
    if (!entry) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label or version.", 400);
    const [id, version] = entry;
    call.note.requestParameters = { secretId: secret.arn, ...(versionId ? { versionId } : {}), ...(stage ? { versionStage: stage } : {}) };
    return { ARN: secret.arn, Name: secret.name, VersionId: id, SecretString: version.value, VersionStages: version.stages, CreatedDate: epochSeconds(version.createdAt) };
  }

  private attach(versions: Record<string, StoredVersion>, stage: string, versionId: string): void {
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

  private putSecretValue(input: Record<string, unknown>, call: AwsCall) {
    const secret = this.find(requiredString(input, 'SecretId'), call);
    this.authorize(call, 'secretsmanager:PutSecretValue', secret);
    const value = optionalString(input, 'SecretString');
    if (value === undefined) throw new AwsError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.', 400);
    const versionId = optionalString(input, 'ClientRequestToken') ?? randomUUID();
    if (!TOKEN.test(versionId)) {
      throw new AwsError('ValidationException', "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 64", 400);
    }
    const stages = (input.VersionStages as string[] | undefined) ?? ['AWSCURRENT'];
    call.note.requestParameters = { secretId: secret.arn, clientRequestToken: versionId, versionStages: stages };
    const existing = secret.versions[versionId];
    if (existing) {
      if (existing.value !== value) throw new AwsError('ResourceExistsException', 'A resource with the ID you requested already exists.', 400);
      return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: existing.stages };
    }
    const unlabeled = Object.entries(secret.versions).filter(([, v]) => v.stages.length === 0);
    return this.store.update(() => {
      if (unlabeled.length >= MAX_VERSIONS) delete secret.versions[unlabeled[0][0]];
      secret.versions[versionId] = { value, stages: [], createdAt: this.clock.now().toISOString() };
      for (const stage of stages) this.attach(secret.versions, stage, versionId);
      secret.lastChangedAt = this.clock.now().toISOString();
      return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: secret.versions[versionId].stages };
    });
  }

  private updateSecretVersionStage(input: Record<string, unknown>, call: AwsCall) {
    const secret = this.find(requiredString(input, 'SecretId'), call);
    this.authorize(call, 'secretsmanager:UpdateSecretVersionStage', secret);
    const stage = requiredString(input, 'VersionStage');
    const moveTo = optionalString(input, 'MoveToVersionId');
    const removeFrom = optionalString(input, 'RemoveFromVersionId');
    call.note.requestParameters = { secretId: secret.arn, versionStage: stage, moveToVersionId: moveTo, removeFromVersionId: removeFrom };
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
      if (moveTo) this.attach(secret.versions, stage, moveTo);
      else if (holder) secret.versions[holder].stages.splice(secret.versions[holder].stages.indexOf(stage), 1);
      secret.lastChangedAt = this.clock.now().toISOString();
    });
    return { ARN: secret.arn, Name: secret.name };
  }

  private describeSecret(input: Record<string, unknown>, call: AwsCall) {
    const secret = this.find(requiredString(input, 'SecretId'), call);
    this.authorize(call, 'secretsmanager:DescribeSecret', secret);
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description ? { Description: secret.description } : {}),
      CreatedDate: epochSeconds(secret.createdAt),
      LastChangedDate: epochSeconds(secret.lastChangedAt),
      VersionIdsToStages: Object.fromEntries(Object.entries(secret.versions).filter(([, v]) => v.stages.length > 0).map(([id, v]) => [id, v.stages])),
    };
  }

  private listSecretVersionIds(input: Record<string, unknown>, call: AwsCall) {
    const secret = this.find(requiredString(input, 'SecretId'), call);
    this.authorize(call, 'secretsmanager:ListSecretVersionIds', secret);
    return {
      ARN: secret.arn,
      Name: secret.name,
      Versions: Object.entries(secret.versions)
        .filter(([, v]) => input.IncludeDeprecated === true || v.stages.length > 0)
        .map(([id, v]) => ({ VersionId: id, VersionStages: v.stages, CreatedDate: epochSeconds(v.createdAt) })),
    };
  }
}
