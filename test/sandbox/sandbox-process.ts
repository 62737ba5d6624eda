import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simpleParser } from 'mailparser';

export const REPO_ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);

/**
 * Whether the AWS CLI these tests drive is installed. Without it the test is skipped locally with a loud
 * warning and fails under CI (`CI` set), where `.ci/run` installs it.
 */
export function haveAwsCliFor(testName: string): boolean {
  let have = true;
  try {
    execFileSync('aws', ['--version'], { stdio: 'ignore' });
  } catch {
    have = false;
  }
  if (!have) {
    const message = `\n\n*** ${testName} NOT RUN: no AWS CLI (\`aws\`) on PATH. Install it with: apt-get install awscli ***\n\n`;
    if (process.env.CI) throw new Error(message);
    console.warn(message);
  }
  return have;
}

/** The environment of a child process, without anything that would send AWS calls elsewhere. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|JIT_)/.test(k)) env[k] = v;
  return { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', AWS_EC2_METADATA_DISABLED: 'true', ...extra };
}

/** The variables of an env file the sandbox writes (`export NAME=value` lines). */
export function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

/** Whose env file: the first agent's, the approver's, or a further agent's (`agent-<id>.env`). */
export type EnvHolder = 'agent' | 'approver' | `agent-${string}`;

/** `npm start`, as a child process, on a free port with its own home. */
export class SandboxProcess {
  private child?: ChildProcess;
  output = '';
  url = '';

  constructor(
    readonly home: string,
    private readonly timeScale: number,
    /** A jit config other than the repository's default (`--config`). */
    private readonly configFile?: string,
  ) {}

  async start(timeoutMs = 60_000): Promise<string> {
    this.output = '';
    // One process (tsx as a loader of this node, not its wrapper that forks another), so that a kill
    // reaches the sandbox itself and nothing outlives the test.
    const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/main.ts', '--port', '0', '--home', this.home, '--time-scale', String(this.timeScale), ...(this.configFile ? ['--config', this.configFile] : [])], {
      cwd: REPO_ROOT,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    const started = Date.now();
    for (;;) {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(this.output);
      if (m) {
        this.url = m[1];
        return this.url;
      }
      if (child.exitCode !== null) throw new Error(`The sandbox exited with ${child.exitCode}:\n${this.output}`);
      if (Date.now() - started > timeoutMs) throw new Error(`The sandbox did not start:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops it: SIGTERM (a clean stop) or SIGKILL (a crash). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }

  /** A holder's env file: `agent`, `approver`, or `agent-<id>` for a further configured agent. */
  env(holder: EnvHolder): Record<string, string> {
    return readEnvFile(join(this.home, `${holder}.env`));
  }

  /** The cookie of a browser signed in as the approver, from the approver's env file (the agent's has none). */
  approverCookie(): string {
    const secret = this.env('approver').JIT_SANDBOX_APPROVER_SECRET;
    if (!secret) throw new Error(`No JIT_SANDBOX_APPROVER_SECRET in ${join(this.home, 'approver.env')}`);
    return `jit-sandbox-approver=${secret}`;
  }

  /** Runs `jit` (bin/jit.js) with a holder's env file. */
  async jit(holder: EnvHolder, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    try {
      const config = this.configFile ? ['--config', this.configFile] : [];
      const { stdout, stderr } = await run(process.execPath, [join(REPO_ROOT, 'bin', 'jit.js'), ...config, ...args], { cwd: REPO_ROOT, env: cleanEnv(this.env(holder)) });
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
    }
  }

  /** Runs the AWS CLI (`aws`) with a holder's env file or explicit credentials, always with --endpoint-url. */
  async aws(env: Record<string, string>, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    try {
      const { stdout, stderr } = await run('aws', ['--endpoint-url', this.url, '--output', 'json', ...args], {
        env: cleanEnv({ ...env, AWS_DEFAULT_REGION: env.AWS_REGION ?? 'eu-west-1', AWS_PAGER: '' }),
      });
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; code?: number };
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
    }
  }

  async getJson<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}${path.includes('?') ? '&' : '?'}format=json`);
    if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
    return (await response.json()) as T;
  }

  /** Broker events so far (sandbox times), oldest first. */
  async events(): Promise<Array<{ time: string; source: string; 'detail-type': string; detail: Record<string, unknown> }>> {
    const { events } = await this.getJson<{ events: Array<{ event: { time: string; source: string; 'detail-type': string; detail: Record<string, unknown> } }> }>('/events');
    return events.map((e) => e.event);
  }

  /** Waits for a broker event of a request. */
  async waitForEvent(detailType: string, requestId: string, timeoutMs = 60_000) {
    const started = Date.now();
    for (;;) {
      const found = (await this.events()).find((e) => e['detail-type'] === detailType && e.detail.requestId === requestId);
      if (found) return found;
      if (Date.now() - started > timeoutMs) throw new Error(`No "${detailType}" for ${requestId} within ${timeoutMs} ms. Sandbox output:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The emails in the outbox folder, parsed from their `.eml` files, oldest first. */
  async emails(): Promise<Array<{ subject: string; text: string; to: string; file: string }>> {
    const folder = join(this.home, 'outbox');
    const files = readdirSync(folder).filter((f) => f.endsWith('.eml')).sort();
    return Promise.all(
      files.map(async (file) => {
        const mail = await simpleParser(readFileSync(join(folder, file)));
        const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
        return { subject: mail.subject ?? '', text: mail.text ?? '', to, file };
      }),
    );
  }

  async waitForEmail(match: (e: { subject: string; text: string }) => boolean, timeoutMs = 30_000) {
    const started = Date.now();
    for (;;) {
      const found = (await this.emails()).find(match);
      if (found) return found;
      if (Date.now() - started > timeoutMs) throw new Error(`No matching email within ${timeoutMs} ms. Sandbox output:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
