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

/** Label a restamped grant's version carries until it is made current (or loses the race). */
export const GRANT_STAGING_LABEL = 'JIT_GRANT_STAGED';

/**
 * The per-account secrets in Secrets Manager.
 *
 * A grant is written with its grant id as ClientRequestToken, which becomes the version id, so the
 * broker can tell which grant is current from DescribeSecret alone and the reset function never needs
 * (or has) permission to read credentials. A reset is a compare-and-swap: the placeholder is written
 * as a staged version, then AWSCURRENT is moved to it with `RemoveFromVersionId` = the version the reset
 * expects. Secrets Manager refuses the move when AWSCURRENT is on another version, i.e. a newer grant.
 * A restamped grant (a slow write's clock moved to its answer) is written the same way.
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
    return (await this.swapIfCurrent(secretId, expectedVersionId, PLACEHOLDER_SECRET_STRING, resetToken, RESET_STAGING_LABEL)) ? 'reset' : 'conflict';
  }

  async replaceGrantIfCurrent(secretId: string, expectedVersionId: string, secret: ActiveSecret, versionId: string): Promise<'replaced' | 'conflict'> {
    return (await this.swapIfCurrent(secretId, expectedVersionId, JSON.stringify(secret), versionId, GRANT_STAGING_LABEL)) ? 'replaced' : 'conflict';
  }

  /**
   * Writes `secretString` as a staged version (`VersionStages` without AWSCURRENT leaves the current version
   * where it is), then moves AWSCURRENT to it only from `expectedVersionId`. True when the new version is
   * current, by this call or by an earlier one with the same token.
   * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html
   * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html
   */
  private async swapIfCurrent(secretId: string, expectedVersionId: string, secretString: string, token: string, label: string): Promise<boolean> {
    let staged: string | undefined;
    try {
      const put = await this.client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: secretString,
          ClientRequestToken: token,
          VersionStages: [label],
        }),
      );
      staged = put.VersionId ?? token;
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
      return true;
    } catch (error) {
      if (!(error instanceof InvalidParameterException || error instanceof InvalidRequestException)) throw error;
      // Refused: find out whether someone else won the race or the request itself was wrong.
      const { versionId } = await this.currentVersion(secretId);
      if (versionId === staged) return true;
      if (versionId !== expectedVersionId) return false;
      throw error;
    }
  }
}
