import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { DynamoDbRequestStore } from '../handlers/adapters/aws/dynamodb-request-store';
import { S3ReportReader } from '../handlers/adapters/aws/s3-report-reader';
import { SesV2Mailer } from '../handlers/adapters/aws/sesv2-mailer';
import { SfnTaskCallbacks } from '../handlers/adapters/aws/sfn-task-callbacks';
import { type BrokerSettings, findAccount, type TargetAccount } from '../handlers/core/broker-settings';
import type { Clock } from '../handlers/ports/clock';
import type { DecideRequestDeps } from '../handlers/use-cases/decide-request';
import { ConfigError, type LoadedConfig, loadJitConfig, resolveConfigPath, toBrokerSettings } from '../infra/config/load-config';
import { BROKER_NAMES } from '../infra/naming';
import { cacheDir } from './agent/cache-dir';
import { CredentialsCache } from './agent/credentials-cache';
import { type NotificationInbox, SqsNotificationInbox } from './agent/notification-inbox';
import { OutcomeMailbox } from './agent/outcome-mailbox';
import { AwsClients } from './aws-clients';
import { CliError } from './errors';
import { cliClock } from './sandbox-clock';
import { EXIT } from './exit-codes';

/** Options every command accepts (declared once on the program). */
export interface GlobalOptions {
  readonly json?: boolean;
  readonly region?: string;
  readonly endpoint?: string;
  readonly config?: string;
  /** The shared-config profile of the caller's own AWS credentials. */
  readonly profile?: string;
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
 * the broker's resources found by their fixed names (infra/naming.ts).
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
      const file = resolveConfigPath(this.options.config ? { ...process.env, JIT_CONFIG: this.options.config } : process.env);
      try {
        this.loaded = loadJitConfig(file);
      } catch (error) {
        if (error instanceof ConfigError) {
          throw new CliError(error.message, EXIT.CONFIG, 'Pass --config <file> or set JIT_CONFIG to your jit.config.json.', { cause: error });
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
    this.clientsCache ??= new AwsClients({
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
    const base = cacheDir();
    if (!this.options.endpoint) return base;
    return join(base, 'endpoints', createHash('sha256').update(this.options.endpoint).digest('hex').slice(0, 16));
  }

  credentialsCache(): CredentialsCache {
    const seconds = process.env.JIT_CREDS_CACHE_SECONDS;
    if (seconds !== undefined && !/^\d{1,5}$/.test(seconds)) {
      throw new CliError(`JIT_CREDS_CACHE_SECONDS must be a whole number of seconds. Received: ${JSON.stringify(seconds)}`, EXIT.USAGE);
    }
    return new CredentialsCache({ dir: this.cacheDir(), ...(seconds !== undefined ? { maxAgeSeconds: Number(seconds) } : {}) });
  }

  mailbox(): OutcomeMailbox {
    return new OutcomeMailbox(this.cacheDir());
  }

  inbox(): NotificationInbox {
    return new SqsNotificationInbox(this.clients().sqs(), BROKER_NAMES.notificationQueue);
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
    return new DynamoDbRequestStore({ client: this.clients().dynamoDb(), tableName: BROKER_NAMES.requestTable });
  }

  /**
   * Reads audit reports. Reports named by a request record are read from the bucket in their URI;
   * `bucket` is needed only to find a report by its key when the record has expired.
   */
  reportReader(bucket?: string): S3ReportReader {
    return new S3ReportReader(this.clients().s3(), bucket);
  }

  /** The ports of a terminal decision, over the caller's own credentials. */
  decideDeps(): DecideRequestDeps {
    return {
      store: this.requestStore(),
      callbacks: new SfnTaskCallbacks(this.clients().sfn()),
      mailer: new SesV2Mailer(this.clients().sesv2()),
      settings: this.settings(),
      clock: this.clock,
    };
  }

  /** Who is calling, as AWS authenticated them: the approver named on a terminal decision. */
  async callerArn(): Promise<string> {
    const identity = await this.clients().sts().send(new GetCallerIdentityCommand({}));
    if (!identity.Arn) throw new CliError('AWS did not say who you are (GetCallerIdentity returned no ARN).', EXIT.AWS_ACCESS);
    return identity.Arn;
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
