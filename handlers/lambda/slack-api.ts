import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSlackCredentials } from '../adapters/aws/secrets-manager-slack-credentials';
import { SLACK_API_URL, SlackChatNotifier } from '../adapters/slack/slack-chat-notifier';
import type { SlackSettings } from '../core/broker-settings';

/**
 * The Slack side shared by the functions that talk to Slack: the secret, and a notifier posting where the
 * config says. `SLACK_API_URL` is for the sandbox's stand-in (docs/slack.md#sandbox); unset in AWS.
 */
export function slackClients(slack: SlackSettings): { credentials: SecretsManagerSlackCredentials; chat: SlackChatNotifier } {
  const credentials = new SecretsManagerSlackCredentials(new SecretsManagerClient({}), slack.secretName);
  const chat = new SlackChatNotifier({
    botToken: async () => (await credentials.get()).botToken,
    target:
      slack.postTo === 'direct'
        ? { direct: Object.entries(slack.users).map(([slackUserId, approver]) => ({ slackUserId, approver })) }
        : { channel: slack.postTo },
    apiUrl: process.env.SLACK_API_URL || SLACK_API_URL,
  });
  return { credentials, chat };
}
