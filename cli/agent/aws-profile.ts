import type { BrokerSettings, TargetAccount } from '../../handlers/core/broker-settings';
import { jitCommandLine, shellWord } from './jit-command';

/** The AWS profile an agent uses for an account's grant, by convention `jit-<account name>`. */
export function profileNameFor(account: Pick<TargetAccount, 'name'>): string {
  return `jit-${account.name}`;
}

export interface ProfileOptions {
  /** The profile holding the agent's own (standing) credentials, passed to `jit creds --profile`. */
  readonly agentProfile?: string;
  /** Region written into each profile. */
  readonly region?: string;
  /** The command line that runs jit, already shell-quoted. @default jitCommandLine(), absolute */
  readonly command?: string;
  /** The config `jit creds` reads, passed as `--config` so the profile works from any directory. */
  readonly configFile?: string;
  /** `--endpoint` for `jit creds` (the local sandbox). */
  readonly endpoint?: string;
}

/**
 * `~/.aws/config` blocks: one profile per account whose credentials come from `jit creds`, with an
 * absolute command and every option `jit creds` needs, since AWS tools run it with their own working
 * directory and environment.
 */
export function awsConfigProfiles(settings: BrokerSettings, options: ProfileOptions = {}): string {
  const jit = options.command ?? jitCommandLine().map(shellWord).join(' ');
  const flags = [
    ...(options.agentProfile ? ['--profile', options.agentProfile] : []),
    ...(options.configFile ? ['--config', options.configFile] : []),
    ...(options.endpoint ? ['--endpoint', options.endpoint] : []),
  ];
  return settings.accounts
    .map((account) =>
      [
        `[profile ${profileNameFor(account)}]`,
        `credential_process = ${[jit, 'creds', '--account', shellWord(account.name), ...flags.map(shellWord)].join(' ')}`,
        ...(options.region ? [`region = ${options.region}`] : []),
      ].join('\n'),
    )
    .join('\n\n');
}
