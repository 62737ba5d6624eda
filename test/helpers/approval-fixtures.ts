import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { DynamoDbRequestStore } from '../../handlers/adapters/aws/dynamodb-request-store';
import { EventBridgePublisher } from '../../handlers/adapters/aws/eventbridge-publisher';
import { SesV2Mailer } from '../../handlers/adapters/aws/sesv2-mailer';
import { SfnTaskCallbacks } from '../../handlers/adapters/aws/sfn-task-callbacks';
import type { BrokerSettings } from '../../handlers/core/broker-settings';
import { type ElevationRequest } from '../../handlers/core/elevation-request';
import type { ReviewLog } from '../../handlers/http/review-routes';
import type { Clock } from '../../handlers/ports/clock';
import type { DecideRequestDeps } from '../../handlers/use-cases/decide-request';
import { type RequestApprovalDeps, requestApproval } from '../../handlers/use-cases/request-approval';
import { LocalTaskTokens } from '../../workflows/local/task-tokens';
import type { FakeAws } from '../fakes/fake-aws';
import { InMemoryRequestStore } from '../fakes/ports/in-memory-request-store';
import { InMemoryTaskCallbacks } from '../fakes/ports/in-memory-task-callbacks';
import { RecordingEventPublisher } from '../fakes/ports/recording-event-publisher';
import { RecordingMailer } from '../fakes/ports/recording-mailer';
import { REVIEW_REQUEST, elevationRequest } from './fixtures';
import { exampleSettings } from './synth';

export const REGION = 'eu-west-1';
export const TABLE = 'jit-requests';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(public current: Date = new Date()) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/**
 * The example settings, with prod limited to Ops and Deploy (so Security is configured, but not for
 * prod) and the given approvers.
 */
export function approvalSettings(approvers: readonly string[] = ['security-lead@example.com']): BrokerSettings {
  const settings = exampleSettings();
  return {
    ...settings,
    approvers: [...approvers],
    accounts: settings.accounts.map((a) => (a.name === 'prod' ? { ...a, roles: a.roles.filter((r) => r.name !== 'Security') } : a)),
  };
}

/** The real adapters over SDK clients that FakeAws mocks. */
export function approvalDeps(settings: BrokerSettings, clock: Clock): DecideRequestDeps {
  return {
    store: new DynamoDbRequestStore({ client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: REGION })), tableName: TABLE }),
    callbacks: new SfnTaskCallbacks(new SFNClient({ region: REGION })),
    mailer: new SesV2Mailer(new SESv2Client({ region: REGION })),
    settings,
    clock,
  };
}

export interface PendingFixture {
  readonly request: ElevationRequest;
  readonly taskToken: string;
  /** Settles with the workflow's answer (the decision), or rejects with the denial. */
  readonly answer: Promise<unknown>;
  /** One review link per approver, taken out of the emails, in approver order. */
  readonly links: readonly string[];
}

/** A request waiting for a decision, set up the way the workflow does: store, then RequestApproval. */
export async function pendingRequest(
  aws: FakeAws,
  deps: DecideRequestDeps,
  request: ElevationRequest = elevationRequest(REVIEW_REQUEST),
  reviewBaseUrl = 'https://approvals.example.test',
): Promise<PendingFixture> {
  await deps.store.create(request, deps.clock.now());
  const taskToken = LocalTaskTokens.newToken();
  const answer = aws.tokens.wait(taskToken, 3600);
  answer.catch(() => undefined);
  const before = aws.emails.length;
  await requestApproval(
    { taskToken, request },
    {
      store: deps.store,
      mailer: deps.mailer,
      publisher: new EventBridgePublisher(new EventBridgeClient({ region: REGION }), 'jit-broker'),
      settings: deps.settings,
      clock: deps.clock,
      random: { bytes: (count) => randomBytes(count) },
      reviewBaseUrl,
    },
  );
  const links = aws.emails.slice(before).map((email) => linkIn(email.text));
  return { request, taskToken, answer, links };
}

/** The review link in an approval email's text. */
export function linkIn(text: string): string {
  const match = /^Review and decide: (\S+)$/m.exec(text);
  if (!match) throw new Error('No review link in the email');
  return match[1];
}

export interface HttpCall {
  readonly query?: string;
  readonly body?: string | Buffer;
  readonly contentType?: string;
  readonly base64?: boolean;
}

/** An HTTP API (payload 2.0) event as API Gateway hands it to the function for `ANY /review/{requestId}`. */
export function httpEvent(method: string, path: string, call: HttpCall = {}): APIGatewayProxyEventV2 {
  const query = call.query ?? '';
  const queryStringParameters: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query)) {
    // API Gateway joins repeated parameters with commas.
    queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
  }
  const segment = /^\/review\/([^/]+)$/.exec(path)?.[1];
  const body = call.body === undefined ? undefined : Buffer.isBuffer(call.body) ? call.body : Buffer.from(call.body, 'utf8');
  const base64 = call.base64 ?? true;
  return {
    version: '2.0',
    routeKey: 'ANY /review/{requestId}',
    rawPath: path,
    rawQueryString: query,
    headers: { host: 'approvals.example.test', ...(call.contentType ? { 'content-type': call.contentType } : {}) },
    ...(query ? { queryStringParameters } : {}),
    ...(segment !== undefined ? { pathParameters: { requestId: segment } } : {}),
    requestContext: {
      accountId: '111111111111',
      apiId: 'api',
      domainName: 'approvals.example.test',
      domainPrefix: 'approvals',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'jest' },
      requestId: 'r',
      routeKey: 'ANY /review/{requestId}',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    ...(body !== undefined ? { body: base64 ? body.toString('base64') : body.toString('utf8') } : {}),
    isBase64Encoded: body !== undefined && base64,
  };
}

/** The path and query of a review link. */
export function splitLink(link: string): { path: string; query: string; capability: string } {
  const url = new URL(link);
  return { path: url.pathname, query: url.search.slice(1), capability: url.searchParams.get('c') ?? '' };
}

/** A log that keeps every call, to assert nothing secret was written. */
export class RecordingLog implements ReviewLog {
  readonly lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  info(message: string, fields: Record<string, unknown>): void {
    this.lines.push({ level: 'info', message, fields });
  }
  warn(message: string, fields: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', message, fields });
  }
  error(message: string, fields: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, fields });
  }
  text(): string {
    return JSON.stringify(this.lines);
  }
}

export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** Use-case dependencies over the in-memory port fakes, and the fakes themselves to steer and inspect. */
export interface InMemoryApproval {
  readonly deps: DecideRequestDeps & RequestApprovalDeps;
  readonly store: InMemoryRequestStore;
  readonly callbacks: InMemoryTaskCallbacks;
  readonly mailer: RecordingMailer;
  readonly publisher: RecordingEventPublisher;
}

export function inMemoryApproval(settings: BrokerSettings, clock: Clock, reviewBaseUrl = 'https://approvals.example.test'): InMemoryApproval {
  const store = new InMemoryRequestStore();
  const callbacks = new InMemoryTaskCallbacks();
  const mailer = new RecordingMailer();
  const publisher = new RecordingEventPublisher();
  const deps = { store, callbacks, mailer, publisher, settings, clock, random: { bytes: (count: number) => randomBytes(count) }, reviewBaseUrl };
  return { deps, store, callbacks, mailer, publisher };
}

/** A request waiting for a decision over the in-memory fakes: stored, its task waiting, approvers mailed. */
export async function pendingInMemory(approval: InMemoryApproval, request: ElevationRequest = elevationRequest(REVIEW_REQUEST)): Promise<Omit<PendingFixture, 'answer'>> {
  await approval.store.create(request, approval.deps.clock.now());
  const taskToken = LocalTaskTokens.newToken();
  approval.callbacks.wait(taskToken);
  const before = approval.mailer.sent.length;
  await requestApproval({ taskToken, request }, approval.deps);
  const links = approval.mailer.sent.slice(before).map((email) => linkIn(email.text));
  return { request, taskToken, links };
}
