import { ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { PLACEHOLDER_SECRET_STRING, type ActiveSecret } from '../../../handlers/core/secret-value';
import type { Vault, VaultVersion } from '../../../handlers/ports/vault';

interface StoredSecret {
  /** Every version written, by version id, in write order. */
  readonly versions: Map<string, string>;
  current: string;
}

/**
 * The vault's contract in memory, for use-case tests: secrets by name (one per agent and account,
 * `secretNameFor` / `agentSecretName`), a version per write named by its grant id or reset token, and a
 * reset (and a restamped grant) that is a compare-and-swap on the current version. Writing a version id that exists already is a
 * no-op (Secrets Manager treats a repeated ClientRequestToken with the same value as the same request), so
 * the same reset twice is one reset. A name without a secret fails with the SDK's
 * `ResourceNotFoundException`, as `SecretsManagerVault` does.
 * `test/handlers/ports/vault.test.ts` runs the same cases against this fake and the adapter.
 *
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html
 */
export class InMemoryVault implements Vault {
  private readonly secrets = new Map<string, StoredSecret>();

  /** Creates a secret holding the placeholder, as the stack deploys it. */
  createSecret(secretName: string, initialVersionId = 'initial-version-000000000000000000'): void {
    this.secrets.set(secretName, { versions: new Map([[initialVersionId, PLACEHOLDER_SECRET_STRING]]), current: initialVersionId });
  }

  async storeGrant(secretName: string, secret: ActiveSecret): Promise<void> {
    const stored = this.secretOf(secretName);
    if (!stored.versions.has(secret.GrantId)) stored.versions.set(secret.GrantId, JSON.stringify(secret));
    stored.current = secret.GrantId;
  }

  async currentVersion(secretName: string): Promise<VaultVersion> {
    return { versionId: this.secretOf(secretName).current };
  }

  async resetIfCurrent(secretName: string, expectedVersionId: string, resetToken: string): Promise<'reset' | 'conflict'> {
    const stored = this.secretOf(secretName);
    if (!stored.versions.has(resetToken)) stored.versions.set(resetToken, PLACEHOLDER_SECRET_STRING);
    if (stored.current === resetToken) return 'reset';
    if (stored.current !== expectedVersionId) return 'conflict';
    stored.current = resetToken;
    return 'reset';
  }

  async replaceGrantIfCurrent(secretName: string, expectedVersionId: string, secret: ActiveSecret, versionId: string): Promise<'replaced' | 'conflict'> {
    const stored = this.secretOf(secretName);
    if (!stored.versions.has(versionId)) stored.versions.set(versionId, JSON.stringify(secret));
    if (stored.current === versionId) return 'replaced';
    if (stored.current !== expectedVersionId) return 'conflict';
    stored.current = versionId;
    return 'replaced';
  }

  /** The current value, parsed, as the agent would read it. */
  read(secretName: string): unknown {
    const stored = this.secretOf(secretName);
    return JSON.parse(stored.versions.get(stored.current) ?? 'null');
  }

  /** How many versions the secret holds. */
  versionCount(secretName: string): number {
    return this.secretOf(secretName).versions.size;
  }

  private secretOf(secretName: string): StoredSecret {
    const stored = this.secrets.get(secretName);
    if (!stored) throw new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} });
    return stored;
  }
}
