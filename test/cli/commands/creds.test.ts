import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni, fromProcess } from '@aws-sdk/credential-providers';
import { secretNameFor } from '../../../handlers/core/broker-settings';
import { PLACEHOLDER_SECRET_STRING } from '../../../handlers/core/secret-value';
import { LocalAwsEndpoint } from '../../helpers/local-aws-endpoint';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../../helpers/synth';

/**
 * `credential_process = jit creds --account prod` in a real AWS config file, read by the AWS SDK v3's
 * `fromProcess` provider and by the AWS CLI (Debian's `awscli`), each calling a local HTTP endpoint that
 * verifies the SigV4 signature with the minted secret key. jit itself runs as a separate process with
 * the agent's own profile, reading the grant from a local Secrets Manager that checks its signature too.
 *
 * `.ci/run` installs awscli, so CI always runs the AWS CLI test; locally it is skipped, loudly, without it.
 */
const AWS_CLI = process.env.JIT_AWS_CLI ?? '/usr/bin/aws';
const haveAwsCli = existsSync(AWS_CLI);
if (!haveAwsCli) {
  const message = `\n\n*** AWS CLI TEST NOT RUN: no AWS CLI at ${AWS_CLI}. Install it with: apt-get install awscli ***\n\n`;
  if (process.env.CI) throw new Error(message);
  console.warn(message);
}

const run = promisify(execFile);
const PROD = '222222222222';
const AGENT = { accessKeyId: 'AKIAAGENTPROCESS0001', secretAccessKey: 'agent-process-secret', arn: 'arn:aws:iam::111111111111:user/jit-agent' };
const GRANT = {
  accessKeyId: 'ASIAGRANTPROCESS0001',
  secretAccessKey: 'minted/secret+key=',
  sessionToken: 'FwoGZXIvYXdzEminted/session+token==',
  arn: `arn:aws:sts::${PROD}:assumed-role/AgentElevated-Ops/jit-req-process-01`,
};

describe('credential_process: jit creds in ~/.aws/config', () => {
  const endpoint = new LocalAwsEndpoint();
  const home = mkdtempSync(join(tmpdir(), 'jit-home-'));
  const configFile = join(home, 'config');
  const credentialsFile = join(home, 'credentials');
  let expiration: string;

  beforeAll(async () => {
    await endpoint.start();
    endpoint.keys.set(AGENT.accessKeyId, { secretAccessKey: AGENT.secretAccessKey, arn: AGENT.arn });
    endpoint.keys.set(GRANT.accessKeyId, { secretAccessKey: GRANT.secretAccessKey, sessionToken: GRANT.sessionToken, arn: GRANT.arn });
    // The files of this test, not the user's: AWS tools start credential_process with their own
    // environment (for the SDK under jest, the worker's real one), so the command names them itself.
    const jit = `/usr/bin/env AWS_CONFIG_FILE=${configFile} AWS_SHARED_CREDENTIALS_FILE=${credentialsFile} JIT_CACHE_DIR=${join(home, 'cache')} ${process.execPath} ${join(REPO_ROOT, 'bin', 'jit.js')}`;
    writeFileSync(
      configFile,
      [
        '[profile jit-agent]',
        'region = eu-west-1',
        '',
        '[profile jit-prod]',
        'region = eu-west-1',
        `credential_process = ${jit} creds --account prod --profile jit-agent --config ${EXAMPLE_CONFIG} --endpoint ${endpoint.url}`,
        '',
      ].join('\n'),
    );
    writeFileSync(credentialsFile, ['[jit-agent]', `aws_access_key_id = ${AGENT.accessKeyId}`, `aws_secret_access_key = ${AGENT.secretAccessKey}`, ''].join('\n'));
  });
  beforeEach(() => {
    expiration = new Date(Date.now() + 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    endpoint.secrets.set(
      secretNameFor(PROD),
      JSON.stringify({
        AccessKeyId: GRANT.accessKeyId,
        SecretAccessKey: GRANT.secretAccessKey,
        SessionToken: GRANT.sessionToken,
        Expiration: expiration,
        GrantedFor: 'restart ECS service',
        GrantedMinutes: 10,
        GrantedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        RoleName: 'AgentElevated-Ops',
        RequestId: 'req-process-01',
        GrantId: `req-process-01-${'b'.repeat(24)}`,
      }),
    );
    rmSync(join(home, 'cache'), { recursive: true, force: true });
    endpoint.received.length = 0;
  });
  afterAll(async () => {
    await endpoint.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('gives the AWS SDK v3 fromProcess provider the minted credentials, expiring at the approved expiry', async () => {
    // Act
    const provider = fromProcess({ profile: 'jit-prod', filepath: credentialsFile, configFilepath: configFile });
    const credentials = await provider();

    // Assess
    expect(credentials).toMatchObject({ accessKeyId: GRANT.accessKeyId, secretAccessKey: GRANT.secretAccessKey, sessionToken: GRANT.sessionToken });
    expect(credentials.expiration?.toISOString().replace(/\.\d{3}Z$/, 'Z')).toBe(expiration);
    // jit read the grant as the agent, with its own profile and a valid signature.
    const read = endpoint.received.find((r) => r.operation === 'secretsmanager.GetSecretValue');
    expect(read).toMatchObject({ authentic: true, facts: { accessKeyId: AGENT.accessKeyId } });
  });

  it('lets the SDK sign calls with the minted key: the endpoint verifies the SigV4 signature', async () => {
    const sts = new STSClient({ region: 'eu-west-1', endpoint: endpoint.url, credentials: fromProcess({ profile: 'jit-prod', filepath: credentialsFile, configFilepath: configFile }) });

    const identity = await sts.send(new GetCallerIdentityCommand({}));

    expect(identity.Arn).toBe(GRANT.arn);
    const call = endpoint.received.find((r) => r.operation === 'GetCallerIdentity');
    expect(call).toMatchObject({ authentic: true, facts: { accessKeyId: GRANT.accessKeyId, sessionToken: GRANT.sessionToken, presigned: false } });
  });

  it('makes the SDK fail with jit’s one-line reason when no grant is active', async () => {
    endpoint.secrets.set(secretNameFor(PROD), PLACEHOLDER_SECRET_STRING);
    const provider = fromProcess({ profile: 'jit-prod', filepath: credentialsFile, configFilepath: configFile });
    await expect(provider()).rejects.toThrow(/No active grant for prod \(222222222222\)/);
  });

  it('keeps jit’s one-line reason in the error of fromIni, the provider to use for a jit profile in JS', async () => {
    // The SDK runs credential_process with exec, which captures stderr: the reason reaches the caller only
    // inside the error. The default chain (no `credentials` option) goes on to other providers and ends
    // with "Could not load credentials from any providers" instead (docs/agent.md says so and what to do).
    endpoint.secrets.set(secretNameFor(PROD), PLACEHOLDER_SECRET_STRING);
    const sts = new STSClient({ region: 'eu-west-1', endpoint: endpoint.url, credentials: fromIni({ profile: 'jit-prod', filepath: credentialsFile, configFilepath: configFile }) });
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toThrow(/\njit: No active grant for prod \(222222222222\)/);
    expect(endpoint.received.some((r) => r.operation === 'GetCallerIdentity')).toBe(false);
  });

  (haveAwsCli ? describe : describe.skip)('with the AWS CLI', () => {
    const awsEnv = () => ({
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      AWS_CONFIG_FILE: configFile,
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      JIT_CACHE_DIR: join(home, 'cache'),
      AWS_PAGER: '',
    });

    it('signs its requests with the minted key, the signature verified by the endpoint', async () => {
      // Act
      const { stdout } = await run(AWS_CLI, ['sts', 'get-caller-identity', '--profile', 'jit-prod', '--endpoint-url', endpoint.url, '--output', 'json'], { env: awsEnv() });

      // Assess
      expect(JSON.parse(stdout)).toMatchObject({ Arn: GRANT.arn, Account: PROD });
      const call = endpoint.received.find((r) => r.operation === 'GetCallerIdentity');
      expect(call?.facts).toMatchObject({ accessKeyId: GRANT.accessKeyId, sessionToken: GRANT.sessionToken, presigned: false, service: 'sts' });
      expect(call?.authentic).toBe(true);
    });

    it('fails with jit’s reason when the grant has expired', async () => {
      endpoint.secrets.set(
        secretNameFor(PROD),
        JSON.stringify({ ...JSON.parse(endpoint.secrets.get(secretNameFor(PROD)) ?? '{}'), Expiration: new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') }),
      );
      const failed = run(AWS_CLI, ['sts', 'get-caller-identity', '--profile', 'jit-prod', '--endpoint-url', endpoint.url], { env: awsEnv() });
      await expect(failed).rejects.toMatchObject({ stderr: expect.stringContaining('The grant for prod (req-process-01) expired at') });
      expect(endpoint.received.some((r) => r.operation === 'GetCallerIdentity')).toBe(false);
    });
  });
});
