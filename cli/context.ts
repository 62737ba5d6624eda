import { join } from 'node:path';
import type { DynamoDbRequestStore } from '../handlers/adapters/aws/dynamodb-request-store';
import type { S3ReportReader } from '../handlers/adapters/aws/s3-report-reader';
import type { PublicKeySource } from '../handlers/ports/report-signer';
import { type BrokerSettings, agentsOf, findAccount, type TargetAccount } from '../handlers/core/broker-settings';
import type { Clock } from '../handlers/ports/clock';
import { CONFIG_FILE, ConfigError, type LoadedConfig, loadJitConfig, resolveConfigPath, toBrokerSettings, userConfigDir } from '../infra/config/load-config';
import { BROKER_NAMES } from '../handlers/core/resource-names';
import { brokerCacheDir } from './agent/cache-dir';
import { cacheSecondsFromEnv, CredentialsCache } from './agent/credentials-cache';
import type { NotificationInbox } from './agent/notification-inbox';
import { OutcomeMailbox } from './agent/outcome-mailbox';
import type { ApproverApi } from './approvals/approver-api';
import { APPROVALS_URL_VARIABLE } from './approvals/approvals-url';
import type { AwsClients } from './aws-clients';
import { CliError } from './errors';
import { EXIT } from './exit-codes';
import { cliClock } from './sandbox-clock';
import { type AgentRef, agentQueueName, agentSecretName } from '../handlers/core/agents';

/*
 * The adapters (and through them the AWS SDK packages) are required where a command first needs them,
 * not imported: `jit creds` and `jit roles` load none of them (docs/performance.md).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const lazy = {
  awsClients: () => require('./aws-clients') as typeof import('./aws-clients'),
  requestStore: () => require('../handlers/adapters/aws/dynamodb-request-store') as typeof import('../handlers/adapters/aws/dynamodb-request-store'),
  reportReader: () => require('../handlers/adapters/aws/s3-report-reader') as typeof import('../handlers/adapters/aws/s3-report-reader'),
  kmsSigner: () => require('../handlers/adapters/aws/kms-report-signer') as typeof import('../handlers/adapters/aws/kms-report-signer'),
  approverApi: () => require('./approvals/approver-api') as typeof import('./approvals/approver-api'),
  inbox: () => require('./agent/notification-inbox') as typeof import('./agent/notification-inbox'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Options every command accepts (declared once on the program). */
export interface GlobalOptions {
  readonly json?: boolean;
  readonly region?: string;
  readonly endpoint?: string;
  readonly config?: string;
  /** The shared-config profile of the caller's own AWS credentials. */
  readonly profile?: string;
  /** Which configured agent the caller is (`--agent`, `JIT_AGENT`). @default the config's first agent */
  readonly agent?: string;
}

/** Where a command writes: data to `out` (stdout), diagnostics to `err` (stderr). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** A spinner on the terminal while waiting; absent when stderr is not a terminal (or in tests). */
  spinner?(text: string): Spinner;
}

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

/**
 * What a command gets to work with: the parsed global options, the config, one AWS client factory, and
 * the broker's resources found by their fixed names (handlers/core/resource-names.ts).
 */
export class CliContext {
  private loaded?: LoadedConfig;
  private clientsCache?: AwsClients;

  constructor(
    readonly options: GlobalOptions,
    readonly io: CliIo,
    readonly clock: Clock = cliClock(),
  ) {}

  get json(): boolean {
    return this.options.json === true;
  }

  config(): LoadedConfig {
    if (!this.loaded) {
      try {
        this.loaded = loadJitConfig(resolveConfigPath(this.options.config ? { ...process.env, JIT_CONFIG: this.options.config } : process.env));
      } catch (error) {
        if (error instanceof ConfigError) {
          throw new CliError(error.message, EXIT.CONFIG, `Pass --config <file>, set JIT_CONFIG, or put it in ${join(userConfigDir(), CONFIG_FILE)}.`, { cause: error });
        }
        throw error;
      }
    }
    return this.loaded;
  }

  settings(): BrokerSettings {
    return toBrokerSettings(this.config().config);
  }

  /** `--region`, else the hub region of the config. */
  region(): string {
    return this.options.region ?? this.config().config.hub.region;
  }

  clients(): AwsClients {
    this.clientsCache ??= new (lazy.awsClients().AwsClients)({
      region: this.region(),
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      ...(this.options.profile ? { profile: this.options.profile } : {}),
    });
    return this.clientsCache;
  }

  /**
   * The per-user folder of local state (credential cache, received outcomes). Each `--endpoint` (a local
   * sandbox) gets its own subfolder, so a grant from one broker is never handed out for another.
   */
  cacheDir(): string {
    return brokerCacheDir(this.options.endpoint);
  }

  /**
   * The agent this CLI acts as: `--agent`/`JIT_AGENT`, else the config's first agent. It picks the secrets
   * read (`agent/<id>/elevated/<account>`), the queue waited on and the source requests are sent with.
   */
  agent(): AgentRef {
    const agents = agentsOf(toBrokerSettings(this.config().config));
    if (this.options.agent === undefined) return agents[0];
    const agent = agents.find((a) => a.id === this.options.agent);
    if (!agent) {
      throw new CliError(`No agent "${this.options.agent}" in the config.`, EXIT.USAGE, `Configured agents: ${agents.map((a) => a.id).join(', ')}. Pass --agent <id> or set JIT_AGENT.`);
    }
    return agent;
  }

  /** The secret holding this agent's grant in an account. */
  grantSecretName(accountId: string): string {
    return agentSecretName(this.agent(), accountId);
  }

  /** The key this agent's cached grant of an account is kept under: the account id for the first agent. */
  grantCacheKey(accountId: string): string {
    const agent = this.agent();
    return agent.primary ? accountId : `${accountId}-${agent.id}`;
  }

  credentialsCache(): CredentialsCache {
    const seconds = cacheSecondsFromEnv(process.env);
    if (seconds === null) {
      throw new CliError(`JIT_CREDS_CACHE_SECONDS must be a whole number of seconds. Received: ${JSON.stringify(process.env.JIT_CREDS_CACHE_SECONDS)}`, EXIT.USAGE);
    }
    return new CredentialsCache({ dir: this.cacheDir(), ...(seconds !== undefined ? { maxAgeSeconds: seconds } : {}) });
  }

  mailbox(): OutcomeMailbox {
    return new OutcomeMailbox(this.cacheDir());
  }

  inbox(): NotificationInbox {
    return new (lazy.inbox().SqsNotificationInbox)(this.clients().sqs(), agentQueueName(this.agent()));
  }

  /** Finds a configured account by id or name, or says which exist. */
  account(idOrName: string): TargetAccount {
    const account = findAccount(this.settings(), idOrName);
    if (!account) {
      throw new CliError(
        `No account ${JSON.stringify(idOrName)} in ${this.config().file}.`,
        // Like a role or minutes the config does not allow: the command line is well formed, the config says no.
        EXIT.INVALID_REQUEST,
        `Configured accounts: ${this.settings().accounts.map((a) => `${a.name} (${a.id})`).join(', ')}. See: jit roles`,
      );
    }
    return account;
  }

  /** Starts a spinner on stderr for people; silent with --json or without a terminal. */
  spinner(text: string): Spinner {
    if (this.json || !this.io.spinner) return { update: () => undefined, stop: () => undefined };
    return this.io.spinner(text);
  }

  requestStore(): DynamoDbRequestStore {
    return new (lazy.requestStore().DynamoDbRequestStore)({ client: this.clients().dynamoDb(), tableName: BROKER_NAMES.requestTable });
  }

  /**
   * Reads audit reports. Reports named by a request record are read from the bucket in their URI;
   * `bucket` is needed only to find a report by its key when the record has expired.
   */
  reportReader(bucket?: string): S3ReportReader {
    return new (lazy.reportReader().S3ReportReader)(this.clients().s3(), bucket);
  }

  /** The public keys of report manifests' signers: KMS GetPublicKey (the sandbox answers it too). */
  publicKeys(): PublicKeySource {
    return new (lazy.kmsSigner().KmsPublicKeySource)(this.clients().kms());
  }

  /**
   * The broker's IAM-authorized approver routes, signed with the caller's own credentials: at
   * `JIT_APPROVALS_URL` (stack output `ApprovalApiUrl`), else at `--endpoint` (the sandbox serves them).
   * Signed at the real time, like every SDK call: the receiver checks the signature against its own clock.
   */
  approverApi(): ApproverApi {
    const baseUrl = process.env[APPROVALS_URL_VARIABLE] ?? this.options.endpoint;
    if (!baseUrl) {
      throw new CliError(
        'Where are the approver routes? Approving from the terminal goes through the broker\'s HTTP API.',
        EXIT.CONFIG,
        `Set ${APPROVALS_URL_VARIABLE} to the stack output ApprovalApiUrl (e.g. https://abc123.execute-api.${this.region()}.amazonaws.com).`,
      );
    }
    return new (lazy.approverApi().ApproverApi)({ baseUrl, region: this.region(), credentials: () => this.clients().credentials() });
  }


  /** Prints data: one JSON document with `--json`, else the text. */
  data(value: unknown, text: string): void {
    this.io.out(this.json ? `${JSON.stringify(value)}\n` : text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A diagnostic on stderr; kept out of `--json` data. */
  note(text: string): void {
    this.io.err(`${text}\n`);
  }
}
