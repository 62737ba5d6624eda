import type { BrokerSettings, TargetAccount } from '../../handlers/core/broker-settings';

/** The AWS profile an agent uses for an account's grant, by convention `jit-<account name>`. */
export function profileNameFor(account: Pick<TargetAccount, 'name'>): string {
  return `jit-${account.name}`;
}

export interface ProfileOptions {
  /** The profile holding the agent's own (standing) credentials, passed to `jit creds --profile`. */
  readonly agentProfile?: string;
  /** Region written into each profile. */
  readonly region?: string;
  /** The command that runs jit. @default jit */
  readonly command?: string;
}

/** `~/.aws/config` blocks: one profile per account whose credentials come from `jit creds`. */
export function awsConfigProfiles(settings: BrokerSettings, options: ProfileOptions = {}): string {
  const jit = options.command ?? 'jit';
  return settings.accounts
    .map((account) =>
      [
        `[profile ${profileNameFor(account)}]`,
        `credential_process = ${jit} creds --account ${account.name}${options.agentProfile ? ` --profile ${options.agentProfile}` : ''}`,
        ...(options.region ? [`region = ${options.region}`] : []),
      ].join('\n'),
    )
    .join('\n\n');
}
