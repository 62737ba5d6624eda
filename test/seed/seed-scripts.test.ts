import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EXAMPLE_CONFIG } from '../helpers/synth';
import { REPO_ROOT, SandboxProcess, cleanEnv } from '../sandbox/sandbox-process';

/**
 * The blog post's own shell scripts, run against the sandbox: `agent-use-elevated.sh` (kept in this
 * folder, with only `--endpoint-url` added and one call in its "Do the work" spot) must keep working
 * with the broker's secret; the blog's `audit-report.sh` finds nothing here, so docs/audit.md gives the
 * command that replaces it, and that command (read from the docs page) is run too.
 *
 * They need the AWS CLI at /usr/bin/aws (another `aws` may come first on the PATH) and jq. CI installs
 * both (`.ci/run`); locally the test is skipped, loudly, without them, never in CI.
 */
const run = promisify(execFile);
const AWS_CLI = '/usr/bin/aws';

function works(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const missing = [works(AWS_CLI, ['--version']) ? '' : `the AWS CLI at ${AWS_CLI} (apt-get install awscli)`, works('jq', ['--version']) ? '' : 'jq (apt-get install jq)'].filter(Boolean);
if (missing.length > 0) {
  const message = `\n\n*** SEED SCRIPT TESTS NOT RUN: missing ${missing.join(' and ')} ***\n\n`;
  if (process.env.CI) throw new Error(message);
  console.warn(message);
}

/**
 * Sandbox time runs 30 times faster: the seed's 15-minute Ops grant lasts 30 real seconds, room enough
 * on a busy machine for the script's three AWS CLI calls while it is active.
 */
const TIME_SCALE = 30;
const PROD = '222222222222';
/** The blog's scripts look for the secret in ap-southeast-2 (`REGION=`), the blog's hub region. */
const SEED_REGION = 'ap-southeast-2';
const REQUEST_ID = 'req-seed-script-01';
const REASON = 'restart ECS service';
const MINUTES = 15;
const REAL_DATE = execFileSync('sh', ['-c', 'command -v date'], { encoding: 'utf8' }).trim();

/**
 * A `bin` folder put first on the scripts' PATH: `aws` is the Debian AWS CLI, and `date` without a
 * date to convert prints the sandbox's "now" instead of the machine's. The sandbox's clock runs
 * TIME_SCALE times faster than real time (anchored in `$JIT_HOME/clock.json`), and the scripts compare
 * the secret's `Expiration` (sandbox time) with `date +%s`; `date -d <time>` is left alone.
 */
function scriptBin(dir: string, sandboxHome: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(AWS_CLI, join(bin, 'aws'));
  writeFileSync(
    join(bin, 'date'),
    [
      '#!/bin/bash',
      'for arg in "$@"; do case "$arg" in -d|--date|--date=*|-d*) exec ' + REAL_DATE + ' "$@";; esac; done',
      `anchor=$(cat '${join(sandboxHome, 'clock.json')}')`,
      `real_ms=$(${REAL_DATE} +%s%3N)`,
      'now=$(jq -n --argjson a "$anchor" --argjson r "$real_ms" \'(($a.sandboxMs + ($r - $a.realMs) * $a.scale) / 1000) | floor\')',
      `exec ${REAL_DATE} -d "@$now" "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(bin, 'date'), 0o755);
  return bin;
}

interface ScriptRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** The bash code of the fenced block that follows `marker` in a docs page. */
function documentedCommand(page: string, marker: string): string {
  const text = readFileSync(join(REPO_ROOT, page), 'utf8');
  const m = new RegExp(`${marker}\\s*\`\`\`bash\\n([\\s\\S]*?)\`\`\``).exec(text);
  if (!m) throw new Error(`${page}: no \`\`\`bash block after ${marker}`);
  return m[1];
}

(missing.length === 0 ? describe : describe.skip)("The seed's scripts against the sandbox", () => {
  let home: string;
  let work: string;
  let bin: string;
  let sandbox: SandboxProcess;

  /** Sandbox time now, in seconds, as the `date` shim computes it. */
  const sandboxNowSeconds = (): number => {
    const anchor = JSON.parse(readFileSync(join(home, 'clock.json'), 'utf8')) as { realMs: number; sandboxMs: number; scale: number };
    return Math.floor((anchor.sandboxMs + (Date.now() - anchor.realMs) * anchor.scale) / 1000);
  };

  const bash = async (script: string, args: string[], env: Record<string, string>): Promise<ScriptRun> => {
    const vars = cleanEnv({ ...env, PATH: `${bin}:${process.env.PATH ?? ''}`, AWS_PAGER: '' });
    try {
      const { stdout, stderr } = await run('bash', ['-c', script, 'seed-script', ...args], { env: vars, cwd: work });
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
    }
  };
  const agentUseElevated = () => bash(readFileSync(join(__dirname, 'agent-use-elevated.sh'), 'utf8'), [PROD], sandbox.env('agent'));

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'jit-seed-home-'));
    work = mkdtempSync(join(tmpdir(), 'jit-seed-work-'));
    // The example config with the seed's region as the hub's, where the blog's script looks for the secret.
    const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as { hub: { region: string }; audit: { regions: string[] }; roles: Array<{ policyFile: string }> };
    example.hub.region = SEED_REGION;
    example.audit.regions = [SEED_REGION];
    for (const role of example.roles) role.policyFile = join(REPO_ROOT, role.policyFile);
    const config = join(work, 'jit.config.json');
    writeFileSync(config, JSON.stringify(example));
    sandbox = new SandboxProcess(home, TIME_SCALE, config);
    await sandbox.start(180_000);
    bin = scriptBin(work, home);
  }, 200_000);
  afterAll(async () => {
    await sandbox?.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('agent-use-elevated.sh: refuses the placeholder, uses an active grant with its role and minutes, refuses after expiry; the documented audit command lists the call', async () => {
    // Placeholder: no grant yet. (No stderr: the secret was read, and it is the placeholder.)
    const before = await agentUseElevated();
    expect(before).toEqual({ code: 1, stdout: '❌ No valid credentials found\n', stderr: '' });

    // Prepare: the agent asks (by the seed's IAM role name, as grant-elevated.sh names roles), the approver approves.
    const asked = await sandbox.jit('agent', ['--json', 'request', '--account', 'prod', '--role', 'AgentElevated-Ops', '--minutes', String(MINUTES), '--reason', REASON, '--request-id', REQUEST_ID]);
    expect(asked.code).toBe(0);
    expect(JSON.parse(asked.stdout)).toMatchObject({ requestId: REQUEST_ID, role: 'Ops', minutes: MINUTES });
    await sandbox.waitForEvent('Elevation Pending Approval', REQUEST_ID);
    const approved = await sandbox.jit('approver', ['approve', REQUEST_ID]);
    expect(approved).toMatchObject({ code: 0 });
    const granted = await sandbox.waitForEvent('Elevation Granted', REQUEST_ID);
    const expiresAt = Date.parse(String(granted.detail.expiresAt)) / 1000;

    // Act: the blog's script with an active grant.
    const startedAt = sandboxNowSeconds();
    const during = await agentUseElevated();
    const endedAt = sandboxNowSeconds();

    // Assess: valid, the seed's role name, the minutes left by the sandbox's clock, and the credentials work.
    expect(during).toMatchObject({ code: 0, stderr: "" });
    const lines = during.stdout.trim().split('\n');
    const valid = /^✅ Credentials valid\. Role: (.+)\. (\d+) min remaining\.$/.exec(lines[0]);
    expect(valid?.[1]).toBe('AgentElevated-Ops');
    const remaining = Number(valid?.[2]);
    expect(remaining).toBeGreaterThanOrEqual(Math.floor((expiresAt - endedAt) / 60));
    expect(remaining).toBeLessThanOrEqual(Math.floor((expiresAt - startedAt) / 60));
    expect(remaining).toBeLessThan(MINUTES);
    expect(lines[1]).toBe(`arn:aws:sts::${PROD}:assumed-role/AgentElevated-Ops/jit-${REQUEST_ID}`);
    expect(lines[2]).toBe('🔒 Credentials cleared. Session complete.');

    // After expiry: the broker has reset the secret, so the script refuses.
    await sandbox.waitForEvent('Elevation Ended', REQUEST_ID);
    const after = await agentUseElevated();
    expect(after).toEqual({ code: 1, stdout: '❌ No valid credentials found\n', stderr: '' });

    // The blog's audit-report.sh, run by the agent as the blog does: an empty table (docs/audit.md says why).
    const sessionStart = new Date((expiresAt - MINUTES * 60 - 60) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const blogAudit = await bash(readFileSync(join(__dirname, 'audit-report.sh'), 'utf8'), [], { ...sandbox.env('agent'), SESSION_START: sessionStart });
    expect(blogAudit).toEqual({ code: 0, stdout: '', stderr: '' });

    // The command docs/audit.md gives instead, in the target account as a principal that may read its trail:
    // here the broker's jit-audit-reader role (the sandbox's broker key stands in for the audit function).
    const keys = JSON.parse(readFileSync(join(home, 'keys.json'), 'utf8')) as { broker: { accessKeyId: string; secretAccessKey: string } };
    const brokerEnv = { ...sandbox.env('agent'), AWS_ACCESS_KEY_ID: keys.broker.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.broker.secretAccessKey };
    const reader = await bash(
      `aws sts assume-role --endpoint-url "$AWS_ENDPOINT_URL" --role-arn arn:aws:iam::${PROD}:role/jit-audit-reader --role-session-name operator-audit --output json`,
      [],
      brokerEnv,
    );
    expect(reader).toMatchObject({ code: 0, stderr: '' });
    const readerCreds = (JSON.parse(reader.stdout) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } }).Credentials;
    // As for the blog's scripts, the only change is the endpoint.
    const documented = documentedCommand('docs/audit.md', '<!-- seed-audit-command -->').replace(/^aws cloudtrail lookup-events/m, '$& --endpoint-url "$AWS_ENDPOINT_URL"');
    const replacement = await bash(documented, [], {
      ...sandbox.env('agent'),
      AWS_ACCESS_KEY_ID: readerCreds.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: readerCreds.SecretAccessKey,
      AWS_SESSION_TOKEN: readerCreds.SessionToken,
      REQUEST_ID,
      REGION: SEED_REGION,
      SESSION_START: sessionStart,
    });
    // The script's one call, GetCallerIdentity, is recorded (CloudTrail logs every authenticated STS call) under
    // the session's name as Username, as AWS's own lookup-events example shows for an AssumedRole event.
    // @see https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html
    // @see https://docs.aws.amazon.com/cli/latest/reference/cloudtrail/lookup-events.html
    expect(replacement).toMatchObject({ code: 0, stderr: '' });
    expect(replacement.stdout).toMatch(/\|\s+GetCallerIdentity\s+\|/);
  }, 240_000);
});
