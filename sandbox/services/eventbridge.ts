import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { SandboxClock } from '../clock';
import type { AwsCall } from '../http/aws-call';
import { AwsError } from '../http/aws-error';
import type { Authorizer } from '../iam/authorizer';
import { appendJsonLine, readJsonLines } from '../store/json-file';
import { type SynthesizedStack, asList, prop, resolve, resourcesOfType } from '../template/deployed-template';
import { type EventPattern, matchesPattern } from './event-pattern';
import { type JsonOperation, type ServiceEmulation, handleJson } from './service';

/** An event as EventBridge delivers it to a target. */
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

export interface RuleDefinition {
  readonly name: string;
  readonly bus: string;
  readonly pattern: EventPattern;
  /** Target ARNs: a state machine, a queue, a function. */
  readonly targets: readonly string[];
}

/** The rules a synthesized stack defines, with their buses, patterns and target ARNs. */
export function rulesOf(stack: SynthesizedStack): RuleDefinition[] {
  return resourcesOfType(stack, 'AWS::Events::Rule').map(([id, resource]) => ({
    name: String(prop(resource, 'Name') ?? `${stack.name}-${id}`),
    bus: String(resolve(prop(resource, 'EventBusName') ?? 'default', stack)),
    pattern: prop(resource, 'EventPattern') as EventPattern,
    targets: ((prop(resource, 'Targets') as Array<{ Arn: unknown }> | undefined) ?? []).map((t) => String(resolve(t.Arn, stack))),
  }));
}

/** Delivers a matched event to one target ARN (the sandbox's engine, queues or functions). */
export type TargetDispatch = (targetArn: string, event: DeliveredEvent) => Promise<void>;

/** One line of `$JIT_HOME/events.jsonl`. */
export interface LoggedEvent {
  readonly bus: string;
  readonly event: DeliveredEvent;
}

const MAX_ENTRY_BYTES = 256 * 1024;

/**
 * EventBridge PutEvents on the buses the broker stack defines: each entry is validated, authorized
 * (the agent's policy allows only `source = jit.agent` on the broker bus), logged to
 * `$JIT_HOME/events.jsonl`, and delivered to the targets of every matching rule — the `jit.agent`
 * rule starts an execution of the state machine.
 */
export class EventBridgeEmulation implements ServiceEmulation {
  readonly signingNames = ['events'];
  private readonly listeners: Array<(logged: LoggedEvent) => void> = [];
  private readonly logFile: string;

  constructor(
    private readonly buses: ReadonlyMap<string, string>,
    private readonly rules: readonly RuleDefinition[],
    home: string,
    private readonly authorizer: Authorizer,
    private readonly clock: SandboxClock,
    private readonly dispatch: TargetDispatch,
    private readonly region: string,
  ) {
    this.logFile = join(home, 'events.jsonl');
  }

  /** Called for every accepted event (the sandbox narrates broker events). */
  onEvent(listener: (logged: LoggedEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Every event put so far, oldest first. */
  log(): LoggedEvent[] {
    return readJsonLines<LoggedEvent>(this.logFile);
  }

  handle(call: AwsCall) {
    const operations: Record<string, JsonOperation> = { PutEvents: (input) => this.putEvents(input, call) };
    return handleJson(call, 'EventBridge', '1.1', operations);
  }

  private busOf(name: string | undefined): { name: string; arn: string } {
    const wanted = name ?? 'default';
    const busName = wanted.startsWith('arn:') ? wanted.slice(wanted.lastIndexOf('/') + 1) : wanted;
    const arn = this.buses.get(busName);
    if (!arn) throw new AwsError('ResourceNotFoundException', `Event bus ${wanted} does not exist.`, 400);
    return { name: busName, arn };
  }

  private putEvents(input: Record<string, unknown>, call: AwsCall) {
    const entries = (input.Entries as Array<Record<string, unknown>> | undefined) ?? [];
    if (entries.length < 1 || entries.length > 10) {
      throw new AwsError('ValidationException', "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10", 400);
    }
    const buses = entries.map((e) => this.busOf(e.EventBusName as string | undefined));
    for (const bus of new Set(buses.map((b) => b.arn))) {
      this.authorizer.authorize(call, 'events:PutEvents', bus, {
        request: {
          eventSources: entries.map((e) => String(e.Source ?? '')),
          eventDetailTypes: entries.map((e) => String(e.DetailType ?? '')),
        },
      });
      call.note.resources.push({ type: 'AWS::Events::EventBus', name: bus });
    }
    let failed = 0;
    const results = entries.map((entry, i) => {
      const problem = this.problemWith(entry);
      if (problem) {
        failed++;
        return { ErrorCode: 'InvalidArgument', ErrorMessage: problem };
      }
      const event: DeliveredEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': String(entry.DetailType),
        source: String(entry.Source),
        account: call.caller.accountId,
        time: `${this.clock.now().toISOString().slice(0, 19)}Z`,
        region: this.region,
        resources: asList(entry.Resources),
        detail: JSON.parse(String(entry.Detail)) as Record<string, unknown>,
      };
      this.accept(buses[i].name, event);
      return { EventId: event.id };
    });
    return { FailedEntryCount: failed, Entries: results };
  }

  private problemWith(entry: Record<string, unknown>): string | undefined {
    for (const field of ['Source', 'DetailType', 'Detail']) {
      if (typeof entry[field] !== 'string' || (entry[field] as string).length === 0) return `Parameter ${field} is not valid.`;
    }
    if (Buffer.byteLength(JSON.stringify(entry)) > MAX_ENTRY_BYTES) return 'Total size of the entries in the request is over the limit.';
    try {
      const detail = JSON.parse(String(entry.Detail)) as unknown;
      if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return 'Detail is malformed.';
    } catch {
      return 'Detail is malformed.';
    }
    return undefined;
  }

  /** Logs an event and delivers it to every matching rule's targets, after the PutEvents call returns. */
  private accept(bus: string, event: DeliveredEvent): void {
    appendJsonLine(this.logFile, { bus, event } satisfies LoggedEvent);
    for (const listener of this.listeners) listener({ bus, event });
    const envelope = event as unknown as Record<string, unknown>;
    for (const rule of this.rules) {
      if (rule.bus !== bus || !matchesPattern(rule.pattern, envelope)) continue;
      for (const target of rule.targets) {
        setImmediate(() => {
          this.dispatch(target, event).catch((error: unknown) => {
            console.error(`sandbox: delivering event ${event.id} to ${target} failed: ${(error as Error).message}`);
          });
        });
      }
    }
  }
}
