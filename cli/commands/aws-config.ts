import { Command, Option } from 'commander';
import { awsConfigProfiles, profileNameFor } from '../agent/aws-profile';
import type { CliContext } from '../context';

/** `jit aws-config`: the `~/.aws/config` profiles that hand out grants through `jit creds`. */
export function awsConfigCommand(context: (command: Command) => CliContext): Command {
  return new Command('aws-config')
    .description('Print ~/.aws/config profiles (jit-<account>) whose credential_process is jit creds')
    .addOption(new Option('--agent-profile <name>', "the profile with the agent's own credentials, which jit creds uses").env('JIT_PROFILE'))
    .addOption(new Option('--profile-region <region>', 'region to write into each profile (default: the hub region)'))
    .addOption(new Option('--command <path>', 'how to run jit from the AWS tools (default: this jit, by absolute path)'))
    .addHelpText('after', '\nExample:\n  jit aws-config --agent-profile jit-agent >> ~/.aws/config\n')
    .action((options: { agentProfile?: string; profileRegion?: string; command?: string }, command: Command) => {
      const ctx = context(command);
      const settings = ctx.settings();
      const text = awsConfigProfiles(settings, {
        region: options.profileRegion ?? ctx.region(),
        ...(options.agentProfile ? { agentProfile: options.agentProfile } : {}),
        ...(options.command ? { command: options.command } : {}),
        configFile: ctx.config().file,
        ...(ctx.options.endpoint ? { endpoint: ctx.options.endpoint } : {}),
      });
      ctx.data({ profiles: settings.accounts.map((a) => ({ account: a.name, accountId: a.id, profile: profileNameFor(a) })), config: text }, text);
    });
}
