import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { secretNameFor } from '../../handlers/core/broker-settings';
import { LocalAwsEndpoint } from '../helpers/local-aws-endpoint';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../helpers/synth';

/**
 * The package as a user gets it: `npm pack`, then `npm i -g` of the tarball into a fresh prefix, then
 * the installed `jit` run from a folder that is not the clone, with the config in the user config
 * folder and a clean environment (no clone on the PATH, no TypeScript loader). dist/cli/ is built by
 * the Jest global setup; `npm pack --ignore-scripts` packs it as it is, so the pack does not rebuild
 * under the other tests. The install reads the dependencies from npm's cache (filled by `npm ci`)
 * before the registry.
 */
const run = promisify(execFile);
const AWS_CLI = process.env.JIT_AWS_CLI ?? '/usr/bin/aws';
const PROD = '222222222222';
const AGENT = { accessKeyId: 'AKIAAGENTGLOBAL00001', secretAccessKey: 'agent-global-secret', arn: 'arn:aws:iam::111111111111:user/jit-agent' };
const GRANT = { accessKeyId: 'ASIAGRANTGLOBAL00001', secretAccessKey: 'minted-global', sessionToken: 'token-global', arn: `arn:aws:sts::${PROD}:assumed-role/AgentElevated-Ops/jit-req-global-01` };
const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

/** The environment of a child: none of npm's own settings from a parent `npm test`. */
function withoutNpmSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !/^npm_/i.test(key)));
}

describe('npm pack, npm i -g, then jit from any folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'jit-global-'));
  const prefix = join(root, 'prefix');
  const elsewhere = join(root, 'elsewhere');
  const home = join(root, 'home');
  const userConfig = join(home, '.config', 'jit', 'jit.config.json');
  const endpoint = new LocalAwsEndpoint();
  let env: NodeJS.ProcessEnv;
  const jit = (...args: string[]) => run(join(prefix, 'bin', 'jit'), args, { cwd: elsewhere, env });

  beforeAll(async () => {
    const npmEnv = withoutNpmSettings(process.env);
    await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', root], { cwd: REPO_ROOT, env: npmEnv });
    const tarball = readdirSync(root).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack wrote no tarball into ${root}`);
    await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(root, tarball)], { cwd: root, env: npmEnv });

    // The user's own config, in the user config folder, with its policy files next to it.
    mkdirSync(elsewhere);
    mkdirSync(dirname(userConfig), { recursive: true });
    cpSync(EXAMPLE_CONFIG, userConfig);
    cpSync(join(REPO_ROOT, 'infra', 'policies'), join(dirname(userConfig), 'infra', 'policies'), { recursive: true });
    writeFileSync(join(home, 'credentials'), `[jit-agent]\naws_access_key_id = ${AGENT.accessKeyId}\naws_secret_access_key = ${AGENT.secretAccessKey}\n`);

    await endpoint.start();
    endpoint.keys.set(AGENT.accessKeyId, { secretAccessKey: AGENT.secretAccessKey, arn: AGENT.arn });
    endpoint.keys.set(GRANT.accessKeyId, { secretAccessKey: GRANT.secretAccessKey, sessionToken: GRANT.sessionToken, arn: GRANT.arn });
    const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    endpoint.secrets.set(
      secretNameFor(PROD),
      JSON.stringify({
        AccessKeyId: GRANT.accessKeyId,
        SecretAccessKey: GRANT.secretAccessKey,
        SessionToken: GRANT.sessionToken,
        Expiration: at(10),
        GrantedFor: 'restart ECS service',
        GrantedMinutes: 10,
        GrantedAt: at(0),
        RoleName: 'AgentElevated-Ops',
        RequestId: 'req-global-01',
        GrantId: `req-global-01-${'c'.repeat(24)}`,
      }),
    );
    env = {
      // Node.js and the system tools, nothing of the clone.
      PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    };
  }, 300_000);
  afterAll(async () => {
    await endpoint.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('installs the built CLI and no TypeScript', () => {
    const installed = join(prefix, 'lib', 'node_modules', 'aws-jit-agent-access');
    expect(existsSync(join(installed, 'dist', 'cli', 'jit.cjs'))).toBe(true);
    expect(existsSync(join(installed, 'cli'))).toBe(false);
    expect(existsSync(join(installed, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(installed, 'node_modules', 'aws-cdk-lib'))).toBe(false);
  });

  it('prints its version', async () => {
    const { stdout, stderr } = await jit('--version');
    expect(stdout.trim()).toBe(version);
    expect(stderr).toBe('');
  });

  it('finds the config in the user config folder', async () => {
    const { stdout } = await jit('--json', 'roles');
    expect((JSON.parse(stdout) as { accounts: Array<{ name: string; id: string }> }).accounts.map((a) => `${a.name} ${a.id}`)).toEqual(['prod 222222222222', 'staging 333333333333']);
  });

  it('hands out the grant with jit creds, the second time from its cache', async () => {
    const creds = () => jit('creds', '--account', 'prod', '--profile', 'jit-agent', '--endpoint', endpoint.url);

    const first = await creds();
    const reads = endpoint.received.filter((r) => r.operation === 'secretsmanager.GetSecretValue').length;
    const second = await creds();

    for (const { stdout, stderr } of [first, second]) {
      expect(JSON.parse(stdout)).toMatchObject({ Version: 1, AccessKeyId: GRANT.accessKeyId, SessionToken: GRANT.sessionToken });
      expect(stderr).toBe('');
    }
    expect(reads).toBe(1);
    expect(endpoint.received.filter((r) => r.operation === 'secretsmanager.GetSecretValue')).toHaveLength(1);
  });

  it('writes AWS profiles that run this jit by absolute path, usable by the AWS CLI from anywhere', async () => {
    // Act
    const { stdout } = await jit('aws-config', '--agent-profile', 'jit-agent', '--endpoint', endpoint.url);

    // Assess
    const installedBin = realpathSync(join(prefix, 'lib', 'node_modules', 'aws-jit-agent-access', 'bin', 'jit.js'));
    expect(stdout).toContain(`credential_process = ${process.execPath} ${installedBin} creds --account prod --profile jit-agent --config ${userConfig} --endpoint ${endpoint.url}\n`);
    if (!existsSync(AWS_CLI)) return;
    writeFileSync(env.AWS_CONFIG_FILE as string, stdout);
    const identity = await run(AWS_CLI, ['sts', 'get-caller-identity', '--profile', 'jit-prod', '--endpoint-url', endpoint.url, '--output', 'json'], { cwd: '/', env: { ...env, PATH: '/usr/bin:/bin' } });
    expect(JSON.parse(identity.stdout)).toMatchObject({ Arn: GRANT.arn });
  });
});
