import {
  DescribeSecretCommand,
  InvalidParameterException,
  LimitExceededException,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { RESET_STAGING_LABEL, SecretsManagerVault } from '../../../../handlers/adapters/aws/secrets-manager-vault';
import { SecretVersionLimitError } from '../../../../handlers/core/errors';

const client = mockClient(SecretsManagerClient);
const vault = new SecretsManagerVault(new SecretsManagerClient({}));
const meta = { $metadata: {} };

describe('SecretsManagerVault', () => {
  beforeEach(() => client.reset());

  it('tells the current version from DescribeSecret, without reading the value', async () => {
    client.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { old: ['AWSPREVIOUS'], grant1: ['AWSCURRENT'] } });
    await expect(vault.currentVersion('agent/elevated/222222222222')).resolves.toEqual({ versionId: 'grant1' });
    expect(client).toHaveReceivedCommandWith(DescribeSecretCommand, { SecretId: 'agent/elevated/222222222222' });
  });

  it('resets with a staged placeholder and a compare-and-swap move of AWSCURRENT', async () => {
    client.on(PutSecretValueCommand).resolves({ VersionId: 'reset-1' });
    client.on(UpdateSecretVersionStageCommand).resolves({});
    await expect(vault.resetIfCurrent('agent/elevated/222222222222', 'grant1', 'reset-1')).resolves.toBe('reset');
    expect(client).toHaveReceivedCommandWith(PutSecretValueCommand, {
      SecretId: 'agent/elevated/222222222222',
      SecretString: '{"status":"inactive"}',
      ClientRequestToken: 'reset-1',
      VersionStages: [RESET_STAGING_LABEL],
    });
    expect(client).toHaveReceivedCommandWith(UpdateSecretVersionStageCommand, {
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: 'reset-1',
      RemoveFromVersionId: 'grant1',
    });
  });

  it('reports a conflict when a newer grant became current in between', async () => {
    client.on(PutSecretValueCommand).resolves({ VersionId: 'reset-1' });
    client.on(UpdateSecretVersionStageCommand).rejects(new InvalidParameterException({ message: 'label attached elsewhere', ...meta }));
    client.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { grant2: ['AWSCURRENT'], grant1: ['AWSPREVIOUS'] } });
    await expect(vault.resetIfCurrent('agent/elevated/222222222222', 'grant1', 'reset-1')).resolves.toBe('conflict');
  });

  it('rethrows a refusal that is not a lost race', async () => {
    client.on(PutSecretValueCommand).resolves({ VersionId: 'reset-1' });
    client.on(UpdateSecretVersionStageCommand).rejects(new InvalidParameterException({ message: 'bad', ...meta }));
    client.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { grant1: ['AWSCURRENT'] } });
    await expect(vault.resetIfCurrent('agent/elevated/222222222222', 'grant1', 'reset-1')).rejects.toThrow('bad');
  });

  it('explains a version limit refusal', async () => {
    client.on(PutSecretValueCommand).rejects(new LimitExceededException({ message: 'too many', ...meta }));
    const error = await vault.resetIfCurrent('agent/elevated/222222222222', 'grant1', 'reset-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretVersionLimitError);
    expect((error as Error).message).toMatch(/too many versions were written recently/);
  });
});
