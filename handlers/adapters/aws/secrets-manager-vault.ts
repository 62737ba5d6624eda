import {
  DescribeSecretCommand,
  InvalidParameterException,
  InvalidRequestException,
  LimitExceededException,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { SecretVersionLimitError } from '../../core/errors';
import { PLACEHOLDER_SECRET_STRING, type ActiveSecret } from '../../core/secret-value';
import type { Vault, VaultVersion } from '../../ports/vault';

/** Label a reset's placeholder version carries until it is made current (or loses the race). */
export const RESET_STAGING_LABEL = 'JIT_RESET_STAGED';

/**
 * The per-account secrets in Secrets Manager.
 *
 * A grant is written with its grant id as ClientRequestToken, which becomes the version id, so the
 * broker can tell which grant is current from DescribeSecret alone and the reset function never needs
 * (or has) permission to read credentials. A reset is a compare-and-swap: the placeholder is written
 * as a staged version, then AWSCURRENT is moved to it with `RemoveFromVersionId` = the version the reset
 * expects. Secrets Manager refuses the move when AWSCURRENT is on another version, i.e. a newer grant.
 */
export class SecretsManagerVault implements Vault {
  constructor(private readonly client: SecretsManagerClient) {}

  async storeGrant(secretId: string, secret: ActiveSecret): Promise<void> {
    try {
      await this.client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: JSON.stringify(secret),
          ClientRequestToken: secret.GrantId,
        }),
      );
    } catch (error) {
      if (error instanceof LimitExceededException) throw new SecretVersionLimitError(secretId, { cause: error });
      throw error;
    }
  }

  async currentVersion(secretId: string): Promise<VaultVersion> {
    const described = await this.client.send(new DescribeSecretCommand({ SecretId: secretId }));
    const current = Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) =>
      stages.includes('AWSCURRENT'),
    );
    if (!current) throw new Error(`Secret ${secretId} has no AWSCURRENT version.`);
    return { versionId: current[0] };
  }

  async resetIfCurrent(secretId: string, expectedVersionId: string, resetToken: string): Promise<'reset' | 'conflict'> {
    let staged: string | undefined;
    try {
      const put = await this.client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: PLACEHOLDER_SECRET_STRING,
          ClientRequestToken: resetToken,
          VersionStages: [RESET_STAGING_LABEL],
        }),
      );
      staged = put.VersionId ?? resetToken;
    } catch (error) {
      if (error instanceof LimitExceededException) throw new SecretVersionLimitError(secretId, { cause: error });
      throw error;
    }
    try {
      await this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: staged,
          RemoveFromVersionId: expectedVersionId,
        }),
      );
      return 'reset';
    } catch (error) {
      if (!(error instanceof InvalidParameterException || error instanceof InvalidRequestException)) throw error;
      // Refused: find out whether someone else won the race or the request itself was wrong.
      const { versionId } = await this.currentVersion(secretId);
      if (versionId === staged) return 'reset';
      if (versionId !== expectedVersionId) return 'conflict';
      throw error;
    }
  }
}
