import { randomBytes } from 'node:crypto';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import * as EventBridge from '@aws-sdk/client-eventbridge';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ConflictException, CreateScheduleCommand, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DeleteRolePolicyCommand, GetRolePolicyCommand, IAMClient, NoSuchEntityException, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { AccessAnalyzerClient, CheckAccessNotGrantedCommand, CheckNoNewAccessCommand, ValidatePolicyCommand } from '@aws-sdk/client-accessanalyzer';
import { KmsModel } from '../../sandbox/models/kms';
import { secretNameFor } from '../../handlers/core/broker-settings';
import { PLACEHOLDER_SECRET_STRING } from '../../handlers/core/secret-value';
import { LocalTaskTokens, TaskTimedOutError } from '../../workflows/local/task-tokens';
import { VirtualClock } from '../../workflows/local/virtual-clock';
import { type PutEventsEntry, putEvents } from '../../sandbox/models/eventbridge';
import { FakeCloudTrail } from './fake-cloudtrail';
import { asSdkCall } from './sdk-error';
import { FakeDynamoDb } from './fake-dynamodb';
import { FakeS3 } from './fake-s3';
import { FakeSecretsManager } from './fake-secrets-manager';

export interface PublishedEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly bus: string;
}

export interface SentEmail {
  readonly from: string;
  readonly to: string[];
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export interface MintedCredentials {
  readonly roleArn: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly input: Record<string, unknown>;
}

function fakeKey(prefix: string, length: number): string {
  return prefix + randomBytes(length).toString('hex').toUpperCase().slice(0, length - prefix.length);
}

/**
 * Every AWS API the broker's handlers call, faked at the SDK boundary with aws-sdk-client-mock and
 * enough state to follow a whole elevation: secrets with versions, the request table, published
 * events, sent emails, schedules, minted credentials, CloudTrail events and stored reports, on a virtual
 * clock that local workflow runs advance at every Wait state. Task-token
 * callbacks go to a LocalTaskTokens the local workflow run waits on.
 */
export class FakeAws {
  readonly secrets = new FakeSecretsManager();
  readonly table = new FakeDynamoDb();
  readonly tokens = new LocalTaskTokens();
  readonly events: PublishedEvent[] = [];
  readonly emails: SentEmail[] = [];
  readonly schedules = new Map<string, Record<string, unknown>>();
  readonly minted: MintedCredentials[] = [];
  /** The fake world's time; local workflow runs advance it at every Wait state. */
  readonly clock = new VirtualClock();
  /** The target accounts' CloudTrail; the test records calls in it. */
  readonly trail = new FakeCloudTrail(() => this.clock.now());
  /** The audit bucket (versioned, Object Lock default retention). */
  readonly s3 = new FakeS3({ retentionDays: 365, now: () => this.clock.now() });
  private readonly cleanups: (() => void)[] = [];

  readonly sts = mockClient(STSClient);
  readonly scheduler = mockClient(SchedulerClient);
  readonly ses = mockClient(SESv2Client);
  readonly eventBridge = mockClient(EventBridgeClient);
  readonly cloudTrail = mockClient(CloudTrailClient);
  readonly sfn = mockClient(SFNClient);
  readonly iam = mockClient(IAMClient);
  readonly lambda = mockClient(LambdaClient);
  /** The report signing key(s), created on first use as the stack would deploy them. */
  readonly kmsModel = new KmsModel();
  readonly kms = mockClient(KMSClient);
  /**
   * IAM Access Analyzer: unreachable by default, like the sandbox (every proof "not proven"); a test sets
   * `analyzerAnswers` to answer PASS or FAIL for a check.
   */
  readonly accessAnalyzer = mockClient(AccessAnalyzerClient);
  analyzerAnswers?: { validate?: Array<{ findingType: string; issueCode: string; findingDetails: string }>; noNewAccess?: 'PASS' | 'FAIL'; accessNotGranted?: 'PASS' | 'FAIL' };
  /** Inline role policies in target accounts, by `<roleName>/<policyName>` (IAM calls carry no account). */
  readonly rolePolicies = new Map<string, string>();
  /** Lambda functions by name or ARN, for Invoke (RequestResponse); the test registers them. */
  readonly functions = new Map<string, (event: unknown) => Promise<unknown>>();
  /**
   * Invocations with `InvocationType: 'Event'`, queued as Lambda queues them (answered 202 at once); the
   * test runs them with `runQueuedInvocations`, after the caller has answered.
   */
  readonly queuedInvocations: Array<{ readonly functionName: string; readonly event: unknown }> = [];
  /** Called with every event put on a bus, after it is recorded: EventBridge rules the test wires up. */
  readonly rules: Array<(event: PublishedEvent & { id: string; time: string }) => void> = [];

  /** Runs the queued asynchronous invocations, oldest first (and any they queue), as Lambda would later. */
  async runQueuedInvocations(): Promise<number> {
    let ran = 0;
    for (let next = this.queuedInvocations.shift(); next; next = this.queuedInvocations.shift()) {
      const fn = this.functions.get(next.functionName);
      if (!fn) throw new Error(`Function not found: ${next.functionName}`);
      await fn(next.event);
      ran += 1;
    }
    return ran;
  }

  constructor(accountIds: readonly string[]) {
    for (const id of accountIds) this.secrets.create(secretNameFor(id), PLACEHOLDER_SECRET_STRING);

    this.sts.on(AssumeRoleCommand).callsFake((input: Record<string, unknown>) => {
      const roleArn = String(input.RoleArn);
      const creds = {
        accessKeyId: fakeKey('ASIA', 20),
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: `FwoGZXIvYXdzE${randomBytes(120).toString('base64')}`,
      };
      if (!roleArn.endsWith(':role/jit-audit-reader')) this.minted.push({ roleArn, ...creds, input });
      return {
        Credentials: {
          AccessKeyId: creds.accessKeyId,
          SecretAccessKey: creds.secretAccessKey,
          SessionToken: creds.sessionToken,
          Expiration: new Date(this.clock.now().getTime() + Number(input.DurationSeconds ?? 3600) * 1000),
        },
        SourceIdentity: input.SourceIdentity,
      };
    });
    this.scheduler.on(CreateScheduleCommand).callsFake((input: Record<string, unknown>) => {
      const name = String(input.Name);
      if (this.schedules.has(name)) throw new ConflictException({ message: `Schedule ${name} already exists.`, Message: `Schedule ${name} already exists.`, $metadata: {} });
      this.schedules.set(name, input);
      return { ScheduleArn: `arn:aws:scheduler:eu-west-1:111111111111:schedule/${String(input.GroupName)}/${name}` };
    });
    this.scheduler.on(UpdateScheduleCommand).callsFake((input: Record<string, unknown>) => {
      this.schedules.set(String(input.Name), input);
      return {};
    });
    this.ses.on(SendEmailCommand).callsFake((input) => {
      const simple = input.Content.Simple;
      this.emails.push({
        from: input.FromEmailAddress,
        to: input.Destination.ToAddresses,
        subject: simple.Subject.Data,
        html: simple.Body.Html.Data,
        text: simple.Body.Text.Data,
      });
      return { MessageId: `msg-${this.emails.length}` };
    });
    this.eventBridge.on(PutEventsCommand).callsFake((input: { Entries?: PutEventsEntry[] }) => {
      // Every bus a handler names exists, as the stack would have made it; validation and ids are the model's.
      const arnOfBus = (name: string) => `arn:aws:events:eu-west-1:111111111111:event-bus/${name}`;
      const put = asSdkCall(() => putEvents(input.Entries ?? [], { account: '111111111111', region: 'eu-west-1', now: new Date(), arnOfBus }), EventBridge);
      for (const { bus, event: delivered } of put.accepted) {
        const event = { source: delivered.source, detailType: delivered['detail-type'], detail: delivered.detail, bus };
        this.events.push(event);
        for (const rule of this.rules) rule({ ...event, id: delivered.id, time: delivered.time });
      }
      return { FailedEntryCount: put.failedEntryCount, Entries: put.results };
    });
    this.iam.on(PutRolePolicyCommand).callsFake((input: { RoleName: string; PolicyName: string; PolicyDocument: string }) => {
      this.rolePolicies.set(`${input.RoleName}/${input.PolicyName}`, input.PolicyDocument);
      return {};
    });
    this.iam.on(GetRolePolicyCommand).callsFake((input: { RoleName: string; PolicyName: string }) => {
      const doc = this.rolePolicies.get(`${input.RoleName}/${input.PolicyName}`);
      if (doc === undefined) throw new NoSuchEntityException({ message: 'The role policy cannot be found.', $metadata: {} });
      return { RoleName: input.RoleName, PolicyName: input.PolicyName, PolicyDocument: encodeURIComponent(doc) };
    });
    this.iam.on(DeleteRolePolicyCommand).callsFake((input: { RoleName: string; PolicyName: string }) => {
      if (!this.rolePolicies.delete(`${input.RoleName}/${input.PolicyName}`)) {
        throw new NoSuchEntityException({ message: 'The role policy cannot be found.', $metadata: {} });
      }
      return {};
    });
    this.lambda.on(InvokeCommand).callsFake(async (input: { FunctionName: string; InvocationType?: string; Payload?: Uint8Array }) => {
      const fn = this.functions.get(input.FunctionName);
      if (!fn) throw Object.assign(new Error(`Function not found: ${input.FunctionName}`), { name: 'ResourceNotFoundException' });
      const event = input.Payload ? (JSON.parse(Buffer.from(input.Payload).toString('utf8')) as unknown) : {};
      // Asynchronous invocation: Lambda queues the event and answers 202 with no payload
      // (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).
      if (input.InvocationType === 'Event') {
        this.queuedInvocations.push({ functionName: input.FunctionName, event });
        return { StatusCode: 202 };
      }
      try {
        const result = await fn(event);
        return { StatusCode: 200, Payload: Buffer.from(JSON.stringify(result ?? null)) };
      } catch (error) {
        const e = error as Error;
        return { StatusCode: 200, FunctionError: 'Unhandled', Payload: Buffer.from(JSON.stringify({ errorType: e.name, errorMessage: e.message })) };
      }
    });
    this.kms.on(SignCommand).callsFake((input: { KeyId: string; Message: Uint8Array; MessageType?: string; SigningAlgorithm: string }) => {
      this.kmsModel.ensureKey(input.KeyId);
      const r = this.kmsModel.sign({ keyId: input.KeyId, message: input.Message, signingAlgorithm: input.SigningAlgorithm, ...(input.MessageType ? { messageType: input.MessageType } : {}) });
      return { KeyId: r.keyId, Signature: r.signature, SigningAlgorithm: r.signingAlgorithm };
    });
    this.kms.on(GetPublicKeyCommand).callsFake((input: { KeyId: string }) => {
      const r = this.kmsModel.getPublicKey(input.KeyId);
      return { KeyId: r.keyId, PublicKey: r.publicKey, KeySpec: r.keySpec, KeyUsage: r.keyUsage, SigningAlgorithms: r.signingAlgorithms };
    });
    const unreachable = () => Object.assign(new Error('connect ECONNREFUSED (no IAM Access Analyzer here)'), { name: 'UnknownOperationException' });
    this.accessAnalyzer.on(ValidatePolicyCommand).callsFake(() => {
      if (!this.analyzerAnswers) throw unreachable();
      return { findings: this.analyzerAnswers.validate ?? [] };
    });
    this.accessAnalyzer.on(CheckNoNewAccessCommand).callsFake(() => {
      if (!this.analyzerAnswers?.noNewAccess) throw unreachable();
      return { result: this.analyzerAnswers.noNewAccess, message: `The policy ${this.analyzerAnswers.noNewAccess === 'PASS' ? 'grants no new access' : 'grants new access'}.` };
    });
    this.accessAnalyzer.on(CheckAccessNotGrantedCommand).callsFake(() => {
      if (!this.analyzerAnswers?.accessNotGranted) throw unreachable();
      return { result: this.analyzerAnswers.accessNotGranted, message: `The policy ${this.analyzerAnswers.accessNotGranted === 'PASS' ? 'does not grant' : 'grants'} the specified access.` };
    });
    this.cloudTrail.on(LookupEventsCommand).callsFake(async (input, getClient) => {
      const region = await getClient().config.region();
      return this.trail.lookup(region, input);
    });
    const callback = (send: () => void) => {
      try {
        send();
        return {};
      } catch (error) {
        if (error instanceof TaskTimedOutError) throw new TaskTimedOut({ message: error.message, $metadata: {} });
        throw error;
      }
    };
    this.sfn.on(SendTaskSuccessCommand).callsFake((input) => callback(() => this.tokens.sendTaskSuccess(input.taskToken, input.output)));
    this.sfn.on(SendTaskFailureCommand).callsFake((input) =>
      callback(() => this.tokens.sendTaskFailure(input.taskToken, input.error ?? 'States.TaskFailed', input.cause ?? '')),
    );
  }

  /** Broker events by detail-type, in order. */
  detailTypes(): string[] {
    return this.events.map((e) => e.detailType);
  }

  secret(accountId: string): unknown {
    return this.secrets.read(secretNameFor(accountId));
  }

  restore(): void {
    for (const mock of [this.sts, this.scheduler, this.ses, this.eventBridge, this.cloudTrail, this.sfn, this.iam, this.lambda, this.kms, this.accessAnalyzer]) mock.restore();
    this.secrets.restore();
    this.table.restore();
    this.s3.restore();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  /** Runs `cleanup` on restore (e.g. to undo a clock hooked into the handlers). */
  onRestore(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }
}
