import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import type { JitConfig } from '../infra/config/jit-config';
import type { SandboxKeys } from './iam/keys';

/** The profile of each key holder's own (standing) credentials in the sandbox's AWS files. */
export const SANDBOX_PROFILES = { agent: 'jit-agent', approver: 'jit-approver' } as const;

export interface SandboxAwsFiles {
  /** `$JIT_HOME/aws/config`: the holders' profiles and one `jit-<account>` profile per account. */
  readonly configFile: string;
  /** `$JIT_HOME/aws/credentials`: the agent's and the approver's keys, owner-only. */
  readonly credentialsFile: string;
}

/** A path for a `credential_process` line: botocore splits it like a shell, the JS SDK runs it in one. */
function quoted(path: string): string {
  return /^[\w./@:+-]+$/.test(path) ? path : `"${path.replace(/(["\\$`])/g, '\\$1')}"`;
}

/**
 * The AWS config and credentials files the sandbox's env files point at (`AWS_CONFIG_FILE`,
 * `AWS_SHARED_CREDENTIALS_FILE`). The standing identities are named profiles, not `AWS_ACCESS_KEY_ID`
 * in the environment: the AWS CLI and botocore take environment keys over `AWS_PROFILE`, so with keys in
 * the environment `AWS_PROFILE=jit-prod aws ...` would silently run as the agent itself.
 *
 * @see https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html
 */
export function writeSandboxAwsFiles(options: {
  readonly home: string;
  readonly url: string;
  readonly region: string;
  readonly keys: SandboxKeys;
  readonly config: JitConfig;
  readonly configFile: string;
}): SandboxAwsFiles {
  const folder = join(options.home, 'aws');
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  // The AWS tools start credential_process with their own environment; the clock file is named here so
  // `jit creds` judges the grant's expiry in sandbox time even from a shell that did not source an env file.
  const jit = `/usr/bin/env JIT_SANDBOX_CLOCK=${quoted(join(options.home, 'clock.json'))} ${quoted(process.execPath)} ${quoted(resolvePath(__dirname, '..', 'bin', 'jit.js'))}`;
  const config = [
    '# Written by the JIT sandbox on every start. Standing identities, and one profile per account',
    '# whose credentials come from jit creds (the grant in the account secret).',
    ...(['agent', 'approver'] as const).flatMap((holder) => ['', `[profile ${SANDBOX_PROFILES[holder]}]`, `region = ${options.region}`, `endpoint_url = ${options.url}`]),
    ...options.config.accounts.flatMap((account) => [
      '',
      `[profile jit-${account.name}]`,
      `region = ${options.region}`,
      `endpoint_url = ${options.url}`,
      `credential_process = ${jit} creds --account ${account.name} --profile ${SANDBOX_PROFILES.agent} --endpoint ${options.url} --config ${quoted(options.configFile)}`,
    ]),
    '',
  ].join('\n');
  const credentials = [
    ...(['agent', 'approver'] as const).flatMap((holder) => [
      `[${SANDBOX_PROFILES[holder]}]`,
      `aws_access_key_id = ${options.keys[holder].accessKeyId}`,
      `aws_secret_access_key = ${options.keys[holder].secretAccessKey}`,
      '',
    ]),
  ].join('\n');
  const files = { configFile: join(folder, 'config'), credentialsFile: join(folder, 'credentials') };
  writeFileSync(files.configFile, config, { mode: 0o600 });
  writeFileSync(files.credentialsFile, credentials, { mode: 0o600 });
  return files;
}
