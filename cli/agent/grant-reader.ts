import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretNameFor } from '../../handlers/core/broker-settings';
import { parseSecretValue, type SecretState } from '../../handlers/core/secret-value';

/**
 * Reads an account's grant from the agent's secret with the agent's own credentials: `agent/elevated/<account>`
 * for the first agent, the secret named by `secretName` for another (`CliContext.grantSecretName`).
 */
export async function readGrant(client: SecretsManagerClient, accountId: string, secretName: string = secretNameFor(accountId)): Promise<SecretState> {
  const result = await client.send(new GetSecretValueCommand({ SecretId: secretName }));
  return parseSecretValue(result.SecretString);
}
