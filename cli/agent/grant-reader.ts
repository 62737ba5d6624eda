import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretNameFor } from '../../handlers/core/broker-settings';
import { parseSecretValue, type SecretState } from '../../handlers/core/secret-value';

/** Reads an account's grant from its secret `agent/elevated/<account>` with the agent's own credentials. */
export async function readGrant(client: SecretsManagerClient, accountId: string): Promise<SecretState> {
  const result = await client.send(new GetSecretValueCommand({ SecretId: secretNameFor(accountId) }));
  return parseSecretValue(result.SecretString);
}
