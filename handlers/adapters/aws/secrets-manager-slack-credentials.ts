import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';

/**
 * What the operator stores in the Slack secret (docs/slack.md): the app's signing secret, which proves
 * a request came from Slack, and the bot token (`xoxb-...`) the broker posts with.
 */
export const slackCredentialsSchema = z
  .object({
    signingSecret: z.string().min(16, 'must be the Slack app signing secret'),
    botToken: z.string().regex(/^xoxb-[A-Za-z0-9-]+$/, 'must be a Slack bot token (xoxb-...)'),
  })
  .strict();

export type SlackCredentials = z.infer<typeof slackCredentialsSchema>;

/** The Slack secret has the wrong shape; names the secret and the fields, never their values. */
export class SlackSecretError extends Error {
  constructor(secretId: string, problems: readonly string[]) {
    super(`The Slack secret ${secretId} is not usable: ${problems.join('; ')}. It must be JSON {"signingSecret": "...", "botToken": "xoxb-..."}.`);
    this.name = 'SlackSecretError';
  }
}

/** How long a read secret is reused: a warm function does not call Secrets Manager on every press. */
const CACHE_MS = 5 * 60_000;

/**
 * Reads the Slack secret from Secrets Manager, cached for five minutes, so a rotated value is picked up
 * without a deployment.
 *
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
 */
export class SecretsManagerSlackCredentials {
  private cached?: { value: SlackCredentials; readAt: number };

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async get(): Promise<SlackCredentials> {
    if (this.cached && this.nowMs() - this.cached.readAt < CACHE_MS) return this.cached.value;
    const { SecretString } = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    let json: unknown;
    try {
      json = JSON.parse(SecretString ?? '');
    } catch {
      throw new SlackSecretError(this.secretId, ['not JSON']);
    }
    const parsed = slackCredentialsSchema.safeParse(json);
    if (!parsed.success) throw new SlackSecretError(this.secretId, parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'} ${i.message}`));
    this.cached = { value: parsed.data, readAt: this.nowMs() };
    return parsed.data;
  }
}
