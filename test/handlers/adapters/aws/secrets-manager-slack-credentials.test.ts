import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerSlackCredentials, SlackSecretError } from '../../../../handlers/adapters/aws/secrets-manager-slack-credentials';

describe('Class: SecretsManagerSlackCredentials', () => {
  const sm = mockClient(SecretsManagerClient);
  afterEach(() => sm.reset());
  afterAll(() => sm.restore());
  const value = { signingSecret: '8f742231b10e8888abcd99yyyzzz85a5', botToken: 'xoxb-1-2-abc' };

  it('reads the secret by name and reuses it for five minutes', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(value) });
    let nowMs = 0;
    const credentials = new SecretsManagerSlackCredentials(new SecretsManagerClient({ region: 'eu-west-1' }), 'jit/slack', () => nowMs);

    await expect(credentials.get()).resolves.toEqual(value);
    nowMs = 4 * 60_000;
    await credentials.get();
    nowMs = 5 * 60_000;
    await credentials.get();

    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(sm).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'jit/slack' });
  });

  it('names the secret and the bad field, never the values', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ signingSecret: value.signingSecret, botToken: 'xoxp-user-token-secret' }) });
    const credentials = new SecretsManagerSlackCredentials(new SecretsManagerClient({ region: 'eu-west-1' }), 'jit/slack');

    const error = await credentials.get().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SlackSecretError);
    expect((error as Error).message).toBe(
      'The Slack secret jit/slack is not usable: botToken must be a Slack bot token (xoxb-...). It must be JSON {"signingSecret": "...", "botToken": "xoxb-..."}.',
    );
    expect((error as Error).message).not.toContain(value.signingSecret);
  });
});
