import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import type { JitConfig } from '../infra/config/jit-config';
import { agentsOf } from '../infra/config/load-config';
import type { AccessKey, SandboxKeys } from './iam/keys';

/** The profile of each key holder's own (standing) credentials in the sandbox's AWS files. */
export const SANDBOX_PROFILES = { agent: 'jit-agent', approver: 'jit-approver' } as const;

/** The profile of a further agent's own credentials (`jit-agent-<id>`), in that agent's own AWS files. */
export function agentProfileName(agentId: string): string {
  return `${SANDBOX_PROFILES.agent}-${agentId}`;
}

export interface SandboxAwsFiles {
  /** `$JIT_HOME/aws/config`: the holders' profiles and one `jit-<account>` profile per account. */
  readonly configFile: string;
  /** `$JIT_HOME/aws/credentials`: the agent's and the approver's keys, owner-only. */
  readonly credentialsFile: string;
}

/** A further agent's own AWS files, as that agent's host would have them: its key only. */
export interface AgentAwsFiles extends SandboxAwsFiles {
  readonly agentId: string;
  /** Its standing identity's profile, `jit-agent-<id>`. */
  readonly profile: string;
}

/** A path for a `credential_process` line: botocore splits it like a shell, the JS SDK runs it in one. */
function quoted(path: string): string {
  return /^[\w./@:+-]+$/.test(path) ? path : `"${path.replace(/(["\\$`])/g, '\\$1')}"`;
}

interface AwsFilesOptions {
  readonly home: string;
  readonly url: string;
  readonly region: string;
  readonly keys: SandboxKeys;
  readonly config: JitConfig;
  readonly configFile: string;
}

function profileBlock(name: string, options: AwsFilesOptions, extra: readonly string[] = []): string[] {
  return ['', `[profile ${name}]`, `region = ${options.region}`, `endpoint_url = ${options.url}`, ...extra];
}

/** One `jit-<account>` profile per account whose credentials come from `jit creds` as `agentProfile`. */
function accountProfiles(options: AwsFilesOptions, agentProfile: string, agentId?: string): string[] {
  // The AWS tools start credential_process with their own environment; the clock file is named here so
  // `jit creds` judges the grant's expiry in sandbox time even from a shell that did not source an env file.
  const jit = `/usr/bin/env JIT_SANDBOX_CLOCK=${quoted(join(options.home, 'clock.json'))} ${quoted(process.execPath)} ${quoted(resolvePath(__dirname, '..', 'bin', 'jit.js'))}`;
  const agent = agentId ? ` --agent ${agentId}` : '';
  return options.config.accounts.flatMap((account) =>
    profileBlock(`jit-${account.name}`, options, [
      `credential_process = ${jit}${agent} creds --account ${account.name} --profile ${agentProfile} --endpoint ${options.url} --config ${quoted(options.configFile)}`,
    ]),
  );
}

function credentialsBlock(profile: string, key: AccessKey): string[] {
  return [`[${profile}]`, `aws_access_key_id = ${key.accessKeyId}`, `aws_secret_access_key = ${key.secretAccessKey}`, ''];
}

/**
 * The AWS config and credentials files the sandbox's env files point at (`AWS_CONFIG_FILE`,
 * `AWS_SHARED_CREDENTIALS_FILE`). The standing identities are named profiles, not `AWS_ACCESS_KEY_ID`
 * in the environment: the AWS CLI and botocore take environment keys over `AWS_PROFILE`, so with keys in
 * the environment `AWS_PROFILE=jit-prod aws ...` would silently run as the agent itself.
 *
 * `$JIT_HOME/aws/config` and `credentials` are the first agent's and the approver's. Every further agent
 * gets files of its own in `$JIT_HOME/aws/agent-<id>/`, as on its own host: its key alone under
 * `jit-agent-<id>`, and `jit-<account>` profiles that run `jit --agent <id> creds`, so the profile names
 * are those `jit aws-config` prints on any agent's host (docs/sandbox.md).
 *
 * @see https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html
 */
export function writeSandboxAwsFiles(options: AwsFilesOptions): SandboxAwsFiles & { readonly agents: readonly AgentAwsFiles[] } {
  const folder = join(options.home, 'aws');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const config = [
    '# Written by the JIT sandbox on every start. Standing identities, and one profile per account',
    '# whose credentials come from jit creds (the grant in the account secret).',
    ...(['agent', 'approver'] as const).flatMap((holder) => profileBlock(SANDBOX_PROFILES[holder], options)),
    ...accountProfiles(options, SANDBOX_PROFILES.agent),
    '',
  ].join('\n');
  const credentials = [...credentialsBlock(SANDBOX_PROFILES.agent, options.keys.agent), ...credentialsBlock(SANDBOX_PROFILES.approver, options.keys.approver)].join('\n');
  const files = { configFile: join(folder, 'config'), credentialsFile: join(folder, 'credentials') };
  writeFileSync(files.configFile, config, { mode: 0o600 });
  writeFileSync(files.credentialsFile, credentials, { mode: 0o600 });

  const agents = agentsOf(options.config)
    .slice(1)
    .map((agent): AgentAwsFiles => {
      const key = options.keys.agents[agent.id];
      if (!key) throw new Error(`The sandbox has no key for agent ${agent.id}.`);
      const own = join(folder, `agent-${agent.id}`);
      mkdirSync(own, { recursive: true, mode: 0o700 });
      const profile = agentProfileName(agent.id);
      const agentFiles = { agentId: agent.id, profile, configFile: join(own, 'config'), credentialsFile: join(own, 'credentials') };
      const agentConfig = [
        `# Written by the JIT sandbox on every start: agent ${agent.id}'s standing identity, and one profile per`,
        '# account whose credentials come from jit creds (the grant in its own account secret).',
        ...profileBlock(profile, options),
        ...accountProfiles(options, profile, agent.id),
        '',
      ].join('\n');
      writeFileSync(agentFiles.configFile, agentConfig, { mode: 0o600 });
      writeFileSync(agentFiles.credentialsFile, credentialsBlock(profile, key).join('\n'), { mode: 0o600 });
      return agentFiles;
    });
  return { ...files, agents };
}
