import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { CliContext } from '../../cli/context';
import { runJit } from '../../cli/main';
import { SecretsManagerVault } from '../../handlers/adapters/aws/secrets-manager-vault';
import { AGENT_EVENT_SOURCE, BROKER_EVENT_SOURCE, ELEVATION_END_REQUESTED, detailTypeFor } from '../../handlers/core/broker-event';
import { NOTIFIED_OUTCOMES } from '../../handlers/core/broker-notification';
import { PLACEHOLDER_SECRET_STRING, type ActiveSecret } from '../../handlers/core/secret-value';
import type { Clock } from '../../handlers/ports/clock';
import { assumedRoleSessionArn, BROKER_NAMES } from '../../handlers/core/resource-names';
import { FakeAws } from '../fakes/fake-aws';
import { FakeSqs } from '../fakes/fake-sqs';
import { CTX, deployedFunctions } from './elevation-harness';
import { LocalAwsEndpoint } from './local-aws-endpoint';
import { EXAMPLE_CONFIG, exampleSettings } from './synth';
import { CapturedIo } from './captured-io';


export interface JitRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The approver of these tests, as STS knows them. */
export const APPROVER = {
  accessKeyId: 'AKIAAPPROVER00000001',
  secretAccessKey: 'approver-secret-key',
  arn: 'arn:aws:sts::111111111111:assumed-role/OnCall/alice',
};

/** The agent's own standing identity. */
export const AGENT = {
  accessKeyId: 'AKIAAGENT00000000001',
  secretAccessKey: 'agent-secret-key',
  arn: 'arn:aws:iam::111111111111:user/jit-agent',
};

export const REVOKE_FUNCTION_ARN = `arn:aws:lambda:${CTX.region}:${CTX.accountId}:function:${BROKER_NAMES.revokeFunction}`;

/**
 * The agent's world for CLI tests: the broker's AWS faked at the SDK boundary (FakeAws), the agent's
 * notification queue (FakeSqs) fed by the broker-events rule, the end-request rule invoking the real
 * revoke function, the reset function behind Lambda Invoke, and a local STS that verifies identity
 * proofs by SigV4. Each `jit` run is the real program with captured output and this world's clock.
 */
export class AgentWorld {
  readonly aws = new FakeAws(exampleSettings().accounts.map((a) => a.id));
  readonly sqs = new FakeSqs(BROKER_NAMES.notificationQueue);
  /** One local STS per test file (starting one per world costs time); its keys are reset for each world. */
  private static shared?: LocalAwsEndpoint;
  readonly sts = (AgentWorld.shared ??= new LocalAwsEndpoint());
  readonly cacheDir = mkdtempSync(join(tmpdir(), 'jit-agent-'));
  readonly vault = new SecretsManagerVault(new SecretsManagerClient({ region: CTX.region }));
  /** The CLI's clock: the fake world's virtual clock, which the workflow's Wait states advance. */
  clock: Clock = { now: () => this.aws.clock.now() };
  /** The revoke function as this world loaded it. */
  revokeFunction: (event: unknown, context: { invokedFunctionArn: string }) => Promise<unknown> = () => Promise.reject(new Error('not started'));
  /** Pending async invocations (EventBridge → Lambda), awaited by settle(). */
  private readonly inFlight: Promise<unknown>[] = [];
  private readonly savedEnv = { ...process.env };

  async start(): Promise<this> {
    if (!this.sts.url) await this.sts.start();
    this.sts.keys.clear();
    this.sts.received.length = 0;
    // The CLI's environment (the broker's functions get theirs from the loader).
    Object.assign(process.env, {
      AWS_REGION: CTX.region,
      JIT_CACHE_DIR: this.cacheDir,
      AWS_ACCESS_KEY_ID: APPROVER.accessKeyId,
      AWS_SECRET_ACCESS_KEY: APPROVER.secretAccessKey,
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    delete process.env.JIT_PROFILE;
    this.sts.keys.set(APPROVER.accessKeyId, { secretAccessKey: APPROVER.secretAccessKey, arn: APPROVER.arn });
    this.sts.keys.set(AGENT.accessKeyId, { secretAccessKey: AGENT.secretAccessKey, arn: AGENT.arn });

    const functions = deployedFunctions(this.aws, { logLevel: 'SILENT', stsProofEndpoint: this.sts.url });
    const byEntry = (entry: string) => {
      const found = functions.find((fn) => fn.entry === entry);
      if (!found) throw new Error(`The broker stack has no ${entry} function.`);
      return found;
    };
    const [reset, revoke] = [byEntry('reset'), byEntry('revoke')];
    const revokeRun = (e: unknown, c: { invokedFunctionArn: string }) => revoke.handler(e, c);
    this.revokeFunction = revokeRun;
    this.aws.functions.set(reset.arn, (e) => reset.handler(e));
    const invokeRevoke = (e: unknown) => revokeRun(e, { invokedFunctionArn: REVOKE_FUNCTION_ARN });
    this.aws.functions.set(BROKER_NAMES.revokeFunction, invokeRevoke);

    const notified = new Set<string>(NOTIFIED_OUTCOMES.map((o) => detailTypeFor(o)));
    this.aws.rules.push((event) => {
      const envelope = { version: '0', id: event.id, 'detail-type': event.detailType, source: event.source, account: CTX.accountId, time: event.time, region: CTX.region, resources: [], detail: event.detail };
      if (event.source === BROKER_EVENT_SOURCE && notified.has(event.detailType)) this.sqs.send(JSON.stringify(envelope));
      if (event.source === AGENT_EVENT_SOURCE && event.detailType === ELEVATION_END_REQUESTED) {
        // An asynchronous invocation, as the rule's Lambda target makes it.
        this.inFlight.push(new Promise((resolve) => setImmediate(resolve)).then(() => invokeRevoke(envelope)).catch(() => undefined));
      }
    });
    return this;
  }

  /** Waits for the asynchronous invocations started so far. */
  async settle(): Promise<void> {
    await Promise.all(this.inFlight.splice(0));
  }

  /** The caller is the agent: like the real request store, the fake refuses it (invariant 2, docs/security-invariants.md). */
  asAgent(): this {
    this.aws.table.mock.on(GetCommand).rejects(Object.assign(new Error('User: jit-agent is not authorized to perform: dynamodb:GetItem'), { name: 'AccessDeniedException' }));
    return this;
  }

  /** Makes every credential set minted so far known to the local STS, as its elevated session. */
  registerMintedSessions(): void {
    for (const m of this.aws.minted) {
      const account = m.roleArn.split(':')[4];
      const role = m.roleArn.slice(m.roleArn.lastIndexOf('/') + 1);
      this.sts.keys.set(m.accessKeyId, {
        secretAccessKey: m.secretAccessKey,
        sessionToken: m.sessionToken,
        arn: assumedRoleSessionArn('aws', account, role, String(m.input.RoleSessionName)),
      });
    }
  }

  async storeGrant(accountId: string, secret: ActiveSecret): Promise<void> {
    await this.vault.storeGrant(accountId, secret);
  }

  async placeholder(accountId: string): Promise<void> {
    const current = await this.vault.currentVersion(accountId);
    await this.vault.resetIfCurrent(accountId, current.versionId, `reset-${Date.now()}-${Math.random().toString(16).slice(2)}`);
    expectPlaceholder(this.aws.secret(accountId));
  }

  async jit(...args: string[]): Promise<JitRun> {
    return this.jitIn(this.cacheDir, ...args);
  }

  /** Runs jit with its own local state folder, as another user or host of the same agent would. */
  async jitIn(cacheDir: string, ...args: string[]): Promise<JitRun> {
    const io = new CapturedIo();
    const clock = this.clock;
    class Context extends CliContext {
      override cacheDir(): string {
        return cacheDir;
      }
    }
    const code = await runJit(['node', 'jit', '--config', EXAMPLE_CONFIG, '--endpoint', this.sts.url, ...args], {
      io,
      context: (options, contextIo) => new Context(options, contextIo, clock),
    });
    return { code, stdout: io.stdout, stderr: io.stderr };
  }

  /** Answers each agent request with these broker events, a little later, as the broker would. */
  answerRequests(answer: (requestId: string, detail: Record<string, unknown>) => Array<[string, Record<string, unknown>]>, delayMs = 30): void {
    this.aws.rules.push((event) => {
      if (event.source !== AGENT_EVENT_SOURCE || event.detailType !== 'Elevation Requested') return;
      const requestId = String(event.detail.requestId);
      answer(requestId, event.detail).forEach(([outcome, detail], i) => setTimeout(() => this.brokerEvent(outcome, { requestId, ...detail }), delayMs * (i + 1)));
    });
  }

  /** Publishes a broker event as the broker would, through the fake bus (and so onto the queue). */
  brokerEvent(outcome: string, detail: Record<string, unknown>): void {
    this.aws.rules.forEach((rule) => rule({ source: BROKER_EVENT_SOURCE, detailType: `Elevation ${outcome}`, detail, bus: BROKER_NAMES.eventBus, id: `evt-${Math.random().toString(16).slice(2)}`, time: new Date().toISOString() }));
  }

  async stop(): Promise<void> {
    await this.settle();
    this.aws.restore();
    this.sqs.restore();
    rmSync(this.cacheDir, { recursive: true, force: true });
    for (const key of Object.keys(process.env)) if (!(key in this.savedEnv)) delete process.env[key];
    Object.assign(process.env, this.savedEnv);
  }
}

function expectPlaceholder(value: unknown): void {
  if (JSON.stringify(value) !== PLACEHOLDER_SECRET_STRING) throw new Error(`The secret is not the placeholder: ${JSON.stringify(value)}`);
}
