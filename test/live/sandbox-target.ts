import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadJitConfig, toBrokerSettings } from '../../infra/config/load-config';
import { SandboxProcess } from '../sandbox/sandbox-process';
import type { CallTarget, ElevationTarget, JitRun, TargetTimeouts } from './elevation-target';
import { writeOneAccountConfig } from './one-account-config';

/**
 * The elevation test against `npm start`, as a child process with a one-account config. Sandbox time may
 * run faster (`timeScale`), so that a one-minute grant and its audit (which waits for the STS expiry, at
 * least 15 minutes after the mint, then for CloudTrail) take seconds. A proof of identity (`jit revoke`)
 * is presigned with the real clock and the sandbox checks it against its own, so revoking needs real time.
 */
export class SandboxTarget implements ElevationTarget {
  readonly kind = 'sandbox';
  readonly accountName = 'live';
  readonly timeouts: TargetTimeouts;
  private readonly folder = mkdtempSync(join(tmpdir(), 'jit-elevation-sandbox-'));
  readonly secondRegion = 'eu-central-1';
  private readonly configFile = writeOneAccountConfig(this.folder, {
    account: '111111111111',
    region: 'eu-west-1',
    secondRegion: this.secondRegion,
    email: 'approver@example.com',
    auditDelayMinutes: 1,
  });
  private readonly sandbox: SandboxProcess;
  readonly role: string;
  readonly iamRoleName: string;
  calls: CallTarget = { region: 'eu-west-1' };

  readonly grantMinutes: number;

  /**
   * @param timeScale sandbox time runs this many times faster than real time
   * @param grantMinutes long enough, in real time, for the test to read and use the credentials
   */
  constructor(timeScale: number, grantMinutes = 1) {
    this.grantMinutes = grantMinutes;
    this.sandbox = new SandboxProcess(join(this.folder, 'home'), timeScale, this.configFile);
    // Sandbox minutes in real milliseconds, with room for a busy machine.
    const minutes = (n: number) => Math.ceil((n * 60_000) / timeScale);
    this.timeouts = { pending: 30_000, granted: 30_000, ended: 30_000 + minutes(2), audited: 60_000 + minutes(25), revokeApplies: 10_000, tripped: 30_000 };
    const role = toBrokerSettings(loadJitConfig(this.configFile).config).accounts[0].roles[0];
    this.role = role.name;
    this.iamRoleName = role.iamRoleName;
  }

  async setUp(): Promise<void> {
    const url = await this.sandbox.start();
    this.calls = { region: 'eu-west-1', endpoint: url };
  }

  async tearDown(): Promise<string[]> {
    await this.sandbox.stop();
    rmSync(this.folder, { recursive: true, force: true });
    return [];
  }

  jit(holder: 'agent' | 'approver', args: readonly string[]): Promise<JitRun> {
    return this.sandbox.jit(holder, [...args]);
  }

  /** Read over the sandbox's own HTTP pages (its stand-in for the audit bucket's console). */
  async auditReport(requestId: string): Promise<string> {
    const { reports } = await this.sandbox.getJson<{ reports: string[] }>('/reports');
    const key = reports.find((k) => k.includes(requestId) && k.endsWith('.md'));
    if (!key) throw new Error(`No report of ${requestId} among ${reports.join(', ')}. Sandbox output:\n${this.sandbox.output}`);
    return (await fetch(`${this.sandbox.url}/reports/${key}`)).text();
  }

  /** What the sandbox printed, for a failing test's message. */
  get output(): string {
    return this.sandbox.output;
  }
}
