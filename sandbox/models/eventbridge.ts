import { randomUUID } from 'node:crypto';
import { AwsError } from './aws-error';
import { type EventPattern, matchesPattern } from './event-pattern';

/**
 * An event as EventBridge delivers it to a target.
 * @see https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
 */
export interface DeliveredEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: Record<string, unknown>;
}

/** One PutEvents entry, as the caller sent it (unchecked). */
export interface PutEventsEntry {
  readonly Source?: unknown;
  readonly DetailType?: unknown;
  readonly Detail?: unknown;
  readonly EventBusName?: unknown;
  readonly Resources?: unknown;
  readonly Time?: unknown;
}

export interface RuleDefinition {
  readonly name: string;
  readonly bus: string;
  readonly pattern: EventPattern;
  /** Target ARNs: a state machine, a queue, a function. */
  readonly targets: readonly string[];
}

export type PutEventsResult = { readonly EventId: string } | { readonly ErrorCode: string; readonly ErrorMessage: string };

/** An accepted entry: the event and the bus it was put on. */
export interface AcceptedEvent {
  readonly bus: string;
  readonly event: DeliveredEvent;
}

/**
 * The entries of one PutEvents call must total less than 256 KB, each entry counted as "Calculating
 * PutEvents event entry size" says: a Time 14 bytes, Source, DetailType, Detail and each of Resources
 * their UTF-8 bytes. Field names and the bus name do not count.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 */
const MAX_ENTRIES_BYTES = 256 * 1024;
/** @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html */
const MAX_ENTRIES = 10;

const utf8Bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);

/** An entry's size as EventBridge calculates it (see MAX_ENTRIES_BYTES). */
export function entrySize(entry: PutEventsEntry): number {
  const resources = Array.isArray(entry.Resources) ? (entry.Resources as unknown[]) : [];
  return (
    (entry.Time !== undefined && entry.Time !== null ? 14 : 0) +
    utf8Bytes(entry.Source) +
    utf8Bytes(entry.DetailType) +
    utf8Bytes(entry.Detail) +
    resources.reduce<number>((n, r) => n + utf8Bytes(r), 0)
  );
}

/**
 * What refuses a whole PutEvents call (ValidationException, nothing put): other than 1 to 10 entries,
 * or entries of 256 KB or more in all.
 */
function checkPutEventsCall(entries: readonly PutEventsEntry[]): void {
  if (entries.length < 1 || entries.length > MAX_ENTRIES) {
    throw new AwsError('ValidationException', "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10", 400);
  }
  if (entries.reduce((n, e) => n + entrySize(e), 0) >= MAX_ENTRIES_BYTES) {
    throw new AwsError('ValidationException', 'Total size of the entries in the request is over the limit.', 400);
  }
}

/** The bus an entry names (its name or ARN; `default` when absent), or ResourceNotFoundException. */
export function busOf(name: unknown, arnOfBus: (name: string) => string | undefined): { name: string; arn: string } {
  const wanted = typeof name === 'string' ? name : 'default';
  const busName = wanted.startsWith('arn:') ? wanted.slice(wanted.lastIndexOf('/') + 1) : wanted;
  const arn = arnOfBus(busName);
  if (!arn) throw new AwsError('ResourceNotFoundException', `Event bus ${wanted} does not exist.`, 400);
  return { name: busName, arn };
}

/**
 * Why EventBridge would fail one entry (it fails entries one by one, not the call): Source, DetailType
 * and Detail are required, Detail is a JSON object.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html
 */
function problemWith(entry: PutEventsEntry): string | undefined {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    const value = entry[field];
    if (typeof value !== 'string' || value.length === 0) return `Parameter ${field} is not valid.`;
  }
  try {
    const detail = JSON.parse(String(entry.Detail)) as unknown;
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return 'Detail is malformed.';
  } catch {
    return 'Detail is malformed.';
  }
  return undefined;
}

/**
 * PutEvents: 1 to 10 entries a call, less than 256 KB in all (else ValidationException, nothing put); each entry either accepted
 * as an event with a new id and the time to the second, or failed with InvalidArgument.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 */
export function putEvents(
  entries: readonly PutEventsEntry[],
  context: {
    account: string;
    region: string;
    now: Date;
    arnOfBus: (name: string) => string | undefined;
    /** Called with the ARNs of the buses the call puts on, once the call itself is valid; throws to refuse it. */
    authorize?: (busArns: readonly string[]) => void;
  },
): { failedEntryCount: number; results: PutEventsResult[]; accepted: AcceptedEvent[] } {
  checkPutEventsCall(entries);
  const buses = entries.map((e) => busOf(e.EventBusName, context.arnOfBus));
  context.authorize?.([...new Set(buses.map((b) => b.arn))]);
  const accepted: AcceptedEvent[] = [];
  const results = entries.map((entry, i): PutEventsResult => {
    const problem = problemWith(entry);
    if (problem) return { ErrorCode: 'InvalidArgument', ErrorMessage: problem };
    const event: DeliveredEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': String(entry.DetailType),
      source: String(entry.Source),
      account: context.account,
      time: `${context.now.toISOString().slice(0, 19)}Z`,
      region: context.region,
      resources: entry.Resources === undefined ? [] : (Array.isArray(entry.Resources) ? entry.Resources : [entry.Resources]).map(String),
      detail: JSON.parse(String(entry.Detail)) as Record<string, unknown>,
    };
    accepted.push({ bus: buses[i].name, event });
    return { EventId: event.id };
  });
  return { failedEntryCount: results.filter((r) => 'ErrorCode' in r).length, results, accepted };
}

/**
 * The targets an event goes to: those of every rule on its bus whose pattern matches it.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 */
export function targetsOf(rules: readonly RuleDefinition[], accepted: AcceptedEvent): string[] {
  const envelope = accepted.event as unknown as Record<string, unknown>;
  return rules.filter((r) => r.bus === accepted.bus && matchesPattern(r.pattern, envelope)).flatMap((r) => [...r.targets]);
}

/**
 * The event CloudTrail puts on an account's default bus for one API call, which a target account's
 * tripwire rule forwards to the broker's bus unchanged: `detail-type` "AWS API Call via CloudTrail",
 * `source` `aws.<service>` (the event source's first label), `detail` the CloudTrail record, `account` the
 * account the call was recorded in, `region` the call's region.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
 */
export function cloudTrailApiCallEvent(record: { readonly eventID: string; readonly eventTime: string; readonly eventSource: string; readonly awsRegion: string; readonly recipientAccountId: string }): DeliveredEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${record.eventSource.split('.')[0]}`,
    account: record.recipientAccountId,
    time: record.eventTime,
    region: record.awsRegion,
    resources: [],
    detail: { ...record },
  };
}

/**
 * A rule on a target account's default bus in one region, as a tripwire forwarder defines it: it sees
 * only the CloudTrail events of its own account and region, since CloudTrail puts each call on the
 * default bus of the region it was made in (global services' calls in us-east-1). In state `ENABLED` it
 * matches no read-only management event; `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS` matches them too.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail-management.html
 */
export interface DefaultBusRule extends RuleDefinition {
  readonly account: string;
  readonly region: string;
  readonly state: string;
}

/**
 * Where the default buses send a CloudTrail API-call event: the targets of every rule of the event's own
 * account and region that matches it (a read-only event only where the rule's state admits it). An
 * account or region with no such rule sends it nowhere.
 */
export function defaultBusTargets(rules: readonly DefaultBusRule[], event: DeliveredEvent): string[] {
  const envelope = event as unknown as Record<string, unknown>;
  const readOnly = event.detail.readOnly === true;
  return rules
    .filter((r) => r.bus === 'default' && r.account === event.account && r.region === event.region)
    .filter((r) => r.state === 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' || (r.state === 'ENABLED' && !readOnly))
    .filter((r) => matchesPattern(r.pattern, envelope))
    .flatMap((r) => [...r.targets]);
}
