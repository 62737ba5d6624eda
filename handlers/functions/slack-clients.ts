import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSlackCredentials } from '../adapters/aws/secrets-manager-slack-credentials';
import { SLACK_API_URL, SlackChatNotifier } from '../adapters/slack/slack-chat-notifier';
import type { SlackSettings } from '../core/broker-settings';
import type { AwsClientConfig } from './function-runtime';

/**
 * The Slack side shared by the functions that talk to Slack: the secret, and a notifier posting where the
 * config says. The runtime's `slackApiUrl` is the sandbox's stand-in (docs/slack.md#sandbox); unset in AWS.
 */
export function slackClients(
  slack: SlackSettings,
  runtime: { readonly aws: AwsClientConfig; readonly slackApiUrl?: string },
): { credentials: SecretsManagerSlackCredentials; chat: SlackChatNotifier } {
  const credentials = new SecretsManagerSlackCredentials(new SecretsManagerClient(runtime.aws), slack.secretName);
  const chat = new SlackChatNotifier({
    botToken: async () => (await credentials.get()).botToken,
    target:
      slack.postTo === 'direct'
        ? { direct: Object.entries(slack.users).map(([slackUserId, approver]) => ({ slackUserId, approver })) }
        : { channel: slack.postTo },
    apiUrl: runtime.slackApiUrl ?? SLACK_API_URL,
  });
  return { credentials, chat };
}
